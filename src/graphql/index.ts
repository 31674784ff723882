// Mercurius setup: the SDL, the resolvers and the error formatter that puts our code in extensions.code.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mercurius, { type IResolvers } from 'mercurius';
import { VERSION } from '../version.ts';
import { loadSchemaSource } from './schema.ts';

export interface GraphqlPluginOptions {
  graphiql: boolean;
}

function buildResolvers(): IResolvers {
  return {
    Query: {
      version: () => VERSION,
    },
  };
}

export default fp<GraphqlPluginOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(mercurius, {
      schema: loadSchemaSource(),
      resolvers: buildResolvers(),
      graphiql: options.graphiql,
      path: '/graphql',
    });
  },
  { name: 'graphql' },
);
