// Mercurius setup: the SDL, resolvers, per-request context, authentication and error formatting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import type { GraphqlContext } from './context.ts';
import { formatExecution } from './errors.ts';
import { resolvers, subscriptionResolvers } from './resolvers/index.ts';
import { withSubscribeErrorCodes } from './subscriptions.ts';
import { loadSchemaSource } from './schema.ts';
import { toClientError } from '../errors.ts';
import { operationDepsOf } from '../operations/deps.ts';
import { operationContextOf } from '../operations/request-context.ts';
import { requireAuth } from '../plugins/app/auth.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';

export interface GraphqlPluginOptions {
  graphiql: boolean;
}

/** Encapsulated on purpose: the authentication hook below applies to the GraphQL routes only. */
export default async function graphqlPlugin(
  app: FastifyInstance,
  options: GraphqlPluginOptions,
): Promise<void> {
  // Every GraphQL request needs a token; the GraphiQL page itself is static and sends the token with its queries.
  // A WebSocket upgrade may instead carry it in connection_init (browsers cannot set headers): checked on subscribe.
  // A refusal is answered here rather than thrown: mercurius's error handler first builds the GraphQL context,
  // which needs the principal, and that failure would replace this one's message ("expired"...) with a generic one.
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url?.startsWith('/graphiql')) return;
    if (request.headers.upgrade?.toLowerCase() === 'websocket' && !request.headers.authorization) return;
    try {
      await requireAuth(request, reply);
    } catch (error) {
      const client = toClientError(error);
      return reply
        .code(client.statusCode)
        .send({ data: null, errors: [{ message: client.message, extensions: { code: client.code } }] });
    }
  });

  const deps = operationDepsOf(app);
  await app.register(mercurius, {
    schema: loadSchemaSource(),
    // The generated Resolvers type is stricter than mercurius's own IResolvers; the shapes are the same.
    resolvers: {
      ...resolvers,
      ...subscriptionResolvers,
      Subscription: withSubscribeErrorCodes(subscriptionResolvers.Subscription),
    } as unknown as mercurius.IResolvers,
    subscription: { emitter: app.events.emitter, context: () => ({ deps }) },
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
}
