// The composition root: builds the whole gateway from a config, for the server process and for tests.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Config } from './config.ts';
import { GatewayError, toClientError } from './errors.ts';
import { graphqlRefusal } from './graphql/errors.ts';
import graphiqlPage from './graphql/graphiql.ts';
import graphqlPlugin from './graphql/index.ts';
import answerCachePlugin from './plugins/app/answer-cache.ts';
import authPlugin from './plugins/app/auth.ts';
import auditPlugin from './plugins/app/audit.ts';
import eventsPlugin from './plugins/app/events.ts';
import jobsPlugin from './plugins/app/jobs.ts';
import joinTokenSchedulePlugin from './plugins/app/join-token-schedule.ts';
import metricsPlugin from './plugins/app/metrics.ts';
import rateLimitPlugin from './plugins/app/rate-limit.ts';
import registryPlugin from './plugins/app/registry.ts';
import { lazyChildLogger } from './util/lazy-logger.ts';
import { createQuerystringParser } from './util/querystring.ts';
import { pathOf, routerErrorOf, withPathOnlyRequests } from './util/request-path.ts';
import { resolveSecretKey } from './util/secret-key.ts';
import swarmClientsPlugin from './plugins/app/swarm-clients.ts';
import swarmStatePlugin from './plugins/app/swarm-state.ts';
import postgresPlugin from './plugins/external/postgres.ts';
import redisPlugin from './plugins/external/redis.ts';
import helmetPlugin from './plugins/external/helmet.ts';
import swaggerPlugin from './plugins/external/swagger.ts';
import healthRoutes from './routes/health.ts';
import v1Routes from './routes/v1/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configuration the app was built from. */
    config: Config;
  }
}

export interface BuildAppOptions {
  /** A resolved PostgreSQL URL: the embedded server, if any, is started by the caller. */
  databaseUrl: string;
  logger?: FastifyServerOptions['logger'];
  /** Run the job worker in this process, overriding SWARMGATE_WORKER. */
  runWorker?: boolean;
  /** false: no HTTP API (GraphQL, REST, docs), for the worker process. Health probes stay. */
  http?: boolean;
}

export async function buildApp(config: Config, options: BuildAppOptions): Promise<FastifyInstance> {
  const app = createInstance(config, options);
  try {
    await registerParts(app, config, options);
  } catch (error) {
    // A part that failed to start must not leave the others (pools, connections, the worker) running.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

function createInstance(config: Config, options: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    logger: withPathOnlyRequests(options.logger ?? { level: config.logLevel }),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    childLoggerFactory: lazyChildLogger,
    return503OnClosing: true,
    routerOptions: { querystringParser: createQuerystringParser() },
    // A URL that does not decode or a too long path parameter: answered by the error handler below (BAD_INPUT
    // problem+json) rather than with fastify's own codes, by fastify's default error handler.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      app.errorHandler.call(app, routerErrorOf(error, request.url), request, reply),
  });

  app.decorate('config', config);

  app.setErrorHandler((error, request, reply) => {
    const client = toClientError(error);
    if (client.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    // GraphQL clients expect GraphQL's error shape even when the request stops before execution (401...).
    if (request.routeOptions.url === '/graphql') {
      return reply.code(client.statusCode).send(graphqlRefusal(client.message, client.code));
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
        instance: pathOf(request.url),
        requestId: request.id,
      });
  });

  // fastify's own 404 quotes the URL with its query string.
  app.setNotFoundHandler((request) => {
    throw new GatewayError(
      'NOT_FOUND',
      `there is no ${request.method} ${pathOf(request.url)} here; see /docs`,
    );
  });

  return app;
}

async function registerParts(app: FastifyInstance, config: Config, options: BuildAppOptions): Promise<void> {
  await app.register(postgresPlugin, {
    connectionString: options.databaseUrl,
    migrate: config.migrateOnStart,
  });
  await app.register(redisPlugin, { url: config.redisUrl });
  await app.register(metricsPlugin, { ...config.metrics, host: config.host });
  // Security headers (strict CSP) on every answer of the HTTP API, kept answers included (its hook runs first).
  if (options.http !== false) await app.register(helmetPlugin);
  // Before any route: it collects the routes' schemas as they are added.
  if (options.http !== false) await app.register(swaggerPlugin);
  await app.register(authPlugin, { jwt: config.jwt, platform: config.platform });
  // Before the API's routes: its hooks run ahead of their authentication and kept answers.
  if (options.http !== false)
    await app.register(rateLimitPlugin, { limits: config.rateLimit, prefix: config.jobs.queuePrefix });
  const secret = resolveSecretKey(config.secretKey);
  if (secret.fromFile)
    app.log.warn('SWARMGATE_SECRET_KEY is unset: using the development key in var/secret.key');
  await app.register(registryPlugin, { secretKey: secret.key });
  await app.register(auditPlugin);
  await app.register(eventsPlugin, { redisUrl: config.redisUrl });
  await app.register(swarmClientsPlugin, { timeoutMs: config.dockerTimeoutMs });
  await app.register(swarmStatePlugin, { ...config.cache, timeoutMs: config.dockerTimeoutMs });
  // Before any route: routes ask for kept answers with a route option, and get its hooks as they are added.
  await app.register(answerCachePlugin, { maxBytes: config.cache.enabled ? config.cache.answersBytes : 0 });
  await app.register(jobsPlugin, {
    redisUrl: config.redisUrl,
    secretKey: secret.key,
    dockerTimeoutMs: config.dockerTimeoutMs,
    jobs: config.jobs,
    runWorker: options.runWorker,
  });
  await app.register(joinTokenSchedulePlugin, {
    redisUrl: config.redisUrl,
    queuePrefix: config.jobs.queuePrefix,
    dayMs: config.jobs.joinTokenDayMs,
    runWorker: options.runWorker ?? config.jobs.worker === 'inline',
  });
  app.register(healthRoutes);
  if (options.http === false) return;
  await app.register(graphqlPlugin, { graphql: config.graphql, wsAuthTimeoutMs: config.wsAuthTimeoutMs });
  if (config.graphiql) await app.register(graphiqlPage);
  await app.register(v1Routes, { prefix: '/v1' });
}
