// The composition root: builds the whole gateway from a config, for the server process and for tests.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import { toClientError } from './errors.ts';
import graphqlPlugin from './graphql/index.ts';
import postgresPlugin from './plugins/external/postgres.ts';
import redisPlugin from './plugins/external/redis.ts';
import healthRoutes from './routes/health.ts';

export interface BuildAppOptions {
  /** A resolved PostgreSQL URL: the embedded server, if any, is started by the caller. */
  databaseUrl: string;
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(config: Config, options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
  });

  app.setErrorHandler((error, request, reply) => {
    const client = toClientError(error);
    if (client.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply
      .code(client.statusCode)
      .type('application/problem+json')
      .send({
        type: `https://swarmgate.dev/errors/${client.code}`,
        title: client.code,
        status: client.statusCode,
        code: client.code,
        detail: client.message,
        ...(client.details ? { details: client.details } : {}),
        instance: request.url,
        requestId: request.id,
      });
  });

  await app.register(postgresPlugin, {
    connectionString: options.databaseUrl,
    migrate: config.migrateOnStart,
  });
  await app.register(redisPlugin, { url: config.redisUrl });
  await app.register(graphqlPlugin, { graphiql: config.graphiql });
  app.register(healthRoutes);
  return app;
}
