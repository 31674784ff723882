// GET /v1/swarms/:swarm/info: the `Swarm:` block of `docker info`, from a reachable manager.
import type { FastifyInstance } from 'fastify';
import { toSwarmInfoView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { swarmInfoSchema, swarmParams } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

export default function swarmInfoRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }>(app, context, {
    url: '/swarms/:swarm/info',
    kept: false,
    schema: {
      operationId: 'getSwarmInfo',
      tags: ['swarms'],
      summary: 'The swarm block of `docker info` (raft, dispatcher and CA settings)',
      params: swarmParams,
    },
    answer: swarmInfoSchema,
    read: async (reads, swarm) => toSwarmInfoView((await reads.info(swarm)).Swarm),
  });
}
