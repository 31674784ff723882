// GET /v1/swarms/:swarm/networks/:network: one network by ID, unique ID prefix or name.
import type { FastifyInstance } from 'fastify';
import { getNetwork } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';
import { networkParams, networkSchema } from '../swarm-object-schemas.ts';

export default function getNetworkRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; network: string }>(app, context, {
    url: '/swarms/:swarm/networks/:network',
    kept: false,
    schema: {
      operationId: 'getNetwork',
      tags: ['networks'],
      summary: 'Get a swarm network by ID, unique ID prefix or name (`docker network inspect`)',
      params: networkParams,
    },
    answer: networkSchema,
    read: (reads, swarm, params) => getNetwork(reads, swarm, params.network),
  });
}
