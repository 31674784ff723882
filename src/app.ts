// The composition root: builds the whole gateway from a config, for the server process and for tests.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import { toClientError } from './errors.ts';
import graphqlPlugin from './graphql/index.ts';
import authPlugin from './plugins/app/auth.ts';
import auditPlugin from './plugins/app/audit.ts';
import registryPlugin from './plugins/app/registry.ts';
import swarmClientsPlugin from './plugins/app/swarm-clients.ts';
import postgresPlugin from './plugins/external/postgres.ts';
import redisPlugin from './plugins/external/redis.ts';
import swaggerPlugin from './plugins/external/swagger.ts';
import healthRoutes from './routes/health.ts';
import v1Routes from './routes/v1/index.ts';

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
    // GraphQL clients expect GraphQL's error shape even when the request stops before execution (401...).
    if (request.routeOptions.url === '/graphql') {
      return reply.code(client.statusCode).send({
        data: null,
        errors: [{ message: client.message, extensions: { code: client.code } }],
      });
    }
    return reply
      .code(client.statusCode)
      .type('application/problem+json')
      .send({
        type: `urn:swarmgate:error:${client.code}`,
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
  // Before any route: it collects the routes' schemas as they are added.
  await app.register(swaggerPlugin);
  await app.register(authPlugin, { jwt: config.jwt });
  await app.register(registryPlugin, { secretKey: config.secretKey, devKeyFile: 'var/secret.key' });
  await app.register(auditPlugin);
  await app.register(swarmClientsPlugin, { timeoutMs: config.dockerTimeoutMs });
  await app.register(graphqlPlugin, {
    graphiql: config.graphiql,
    dockerTimeoutMs: config.dockerTimeoutMs,
    redisUrl: config.redisUrl,
  });
  app.register(healthRoutes);
  await app.register(v1Routes, { prefix: '/v1', dockerTimeoutMs: config.dockerTimeoutMs });
  return app;
}
