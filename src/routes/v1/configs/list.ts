// GET /v1/swarms/:swarm/configs: the swarm's configs, filtered by name or label, paginated.
import type { FastifyInstance } from 'fastify';
import { configPage, type SwarmObjectFilter } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { closedObject, pageQueryProperties, swarmParams } from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';
import { configPageSchema, swarmObjectFilterProperties } from '../swarm-object-schemas.ts';

export default function listConfigsRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<SwarmObjectFilter>>(app, context, {
    url: '/swarms/:swarm/configs',
    kept: false,
    schema: {
      operationId: 'listConfigs',
      tags: ['configs'],
      summary: 'List the configs of a swarm (`docker config ls`); their data is never shown',
      params: swarmParams,
      querystring: closedObject({ ...swarmObjectFilterProperties, ...pageQueryProperties }),
    },
    answer: configPageSchema,
    read: pageRead(configPage),
  });
}
