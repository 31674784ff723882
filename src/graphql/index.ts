// Mercurius setup: the SDL, resolvers, per-request context, authentication and error formatting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import type { GraphqlContext } from './context.ts';
import { formatExecution } from './errors.ts';
import { resolvers } from './resolvers/index.ts';
import { loadSchemaSource } from './schema.ts';
import { principalOf, requireAuth } from '../plugins/app/auth.ts';
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

  const registryDeps = {
    registry: app.registry,
    swarmClients: app.swarmClients,
    dockerTimeoutMs: options.dockerTimeoutMs,
  };
  await app.register(mercurius, {
    schema: loadSchemaSource(),
    // The generated Resolvers type is stricter than mercurius's own IResolvers; the shapes are the same.
    resolvers: resolvers as unknown as mercurius.IResolvers,
    graphiql: options.graphiql,
    path: '/graphql',
    context: (request: FastifyRequest): GraphqlContext => {
      const principal = principalOf(request);
      return {
        principal,
        reads: createSwarmReads({ registry: app.registry, swarmClients: app.swarmClients }, principal),
        registry: app.registry,
        registryDeps,
      };
    },
    errorFormatter: (execution, context) => formatExecution(execution, context.reply?.log ?? app.log),
  });
}
