// Mercurius setup: the SDL, resolvers, per-request context, authentication and error formatting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import type { GraphqlContext } from './context.ts';
import { formatExecution } from './errors.ts';
import { resolvers } from './resolvers/index.ts';
import { loadSchemaSource } from './schema.ts';
import { operationDepsOf } from '../operations/deps.ts';
import { operationContextOf } from '../operations/request-context.ts';
import { requireAuth } from '../plugins/app/auth.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';

export interface GraphqlPluginOptions {
  graphiql: boolean;
  dockerTimeoutMs: number;
}

/** Encapsulated on purpose: the authentication hook below applies to the GraphQL routes only. */
export default async function graphqlPlugin(
  app: FastifyInstance,
  options: GraphqlPluginOptions,
): Promise<void> {
  // Every GraphQL request needs a token; the GraphiQL page itself is static and sends the token with its queries.
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url?.startsWith('/graphiql')) return;
    await requireAuth(request, reply);
  });

  const deps = operationDepsOf(app, options.dockerTimeoutMs);
  await app.register(mercurius, {
    schema: loadSchemaSource(),
    // The generated Resolvers type is stricter than mercurius's own IResolvers; the shapes are the same.
    resolvers: resolvers as unknown as mercurius.IResolvers,
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
