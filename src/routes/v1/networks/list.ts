// GET /v1/swarms/:swarm/networks: the swarm's networks, filtered by name or label, paginated.
import type { FastifyInstance } from 'fastify';
import { networkPage, type SwarmObjectFilter } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { closedObject, pageQueryProperties, swarmParams } from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';
import { networkPageSchema, swarmObjectFilterProperties } from '../swarm-object-schemas.ts';

export default function listNetworksRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<SwarmObjectFilter>>(app, context, {
    url: '/swarms/:swarm/networks',
    kept: false,
    schema: {
      operationId: 'listNetworks',
      tags: ['networks'],
      summary:
        "List the swarm's networks (`docker network ls --filter scope=swarm`): overlays and ingress, not the engines' own bridge, host and none networks",
      params: swarmParams,
      querystring: closedObject({ ...swarmObjectFilterProperties, ...pageQueryProperties }),
    },
    answer: networkPageSchema,
    read: pageRead(networkPage),
  });
}
