// Mercurius setup: the SDL, resolvers, per-request context, authentication and error formatting.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import type { GraphqlContext } from './context.ts';
import { formatExecution } from './errors.ts';
import { resolvers, subscriptionResolvers } from './resolvers/index.ts';
import { auditTopic } from './subscriptions.ts';
import { loadSchemaSource } from './schema.ts';
import { operationDepsOf } from '../operations/deps.ts';
import { operationContextOf } from '../operations/request-context.ts';
import { requireAuth } from '../plugins/app/auth.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';

export interface GraphqlPluginOptions {
  graphiql: boolean;
  dockerTimeoutMs: number;
  /** Subscriptions fan out through Redis so that every gateway instance sees every event. */
  redisUrl: string;
}

/** Encapsulated on purpose: the authentication hook below applies to the GraphQL routes only. */
export default async function graphqlPlugin(
  app: FastifyInstance,
  options: GraphqlPluginOptions,
): Promise<void> {
  // Every GraphQL request needs a token; the GraphiQL page itself is static and sends the token with its queries.
  // A WebSocket upgrade may instead carry it in connection_init (browsers cannot set headers): checked on subscribe.
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url?.startsWith('/graphiql')) return;
    if (request.headers.upgrade?.toLowerCase() === 'websocket' && !request.headers.authorization) return;
    await requireAuth(request, reply);
  });

  // Our own connections, so that closing never waits on a Redis that is away (quit would wait for it).
  const redisOptions = {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  };
  const subConn = new Redis(options.redisUrl, redisOptions);
  const pubConn = new Redis(options.redisUrl, redisOptions);
  const emitter = mqemitterRedis({ subConn, pubConn });
  // mqemitter-redis reports Redis failures on an untyped `state` emitter; unheard, they would crash the process.
  (emitter as unknown as { state: EventEmitter }).state.on('error', (error: Error) =>
    app.log.warn({ err: error }, 'subscription pub/sub: Redis problem'),
  );
  app.addHook('onClose', (_instance, done) => {
    subConn.disconnect();
    pubConn.disconnect();
    done();
  });

  const deps = operationDepsOf(app, options.dockerTimeoutMs);
  await app.register(mercurius, {
    schema: loadSchemaSource(),
    // The generated Resolvers type is stricter than mercurius's own IResolvers; the shapes are the same.
    resolvers: { ...resolvers, ...subscriptionResolvers } as unknown as mercurius.IResolvers,
    subscription: { emitter, context: () => ({ deps }) },
    graphiql: options.graphiql,
    path: '/graphql',
    context: (request: FastifyRequest): GraphqlContext => {
      const operation = operationContextOf(request, 'graphql');
      return {
        principal: operation.principal,
        reads: createSwarmReads(
          { registry: app.registry, swarmClients: app.swarmClients },
          operation.principal,
        ),
        deps,
        operation,
      };
    },
    errorFormatter: (execution, context) => formatExecution(execution, context.reply?.log ?? app.log),
  });

  // Every committed audit event reaches the subscribers of its tenant, on every instance.
  const unsubscribe = app.audit.onAppended((event) => {
    app.graphql.pubsub.publish({ topic: auditTopic(event.tenant), payload: { auditEventAdded: event } });
  });
  app.addHook('onClose', (_instance, done) => {
    unsubscribe();
    done();
  });
}
