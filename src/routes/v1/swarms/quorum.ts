// GET /v1/swarms/:swarm/quorum: managers, how many are reachable, how many are needed and tolerated.
import type { FastifyInstance } from 'fastify';
import { quorumOf } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { quorumSchema, swarmParams } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

export default function swarmQuorumRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }>(app, context, {
    url: '/swarms/:swarm/quorum',
    kept: true,
    schema: {
      operationId: 'getSwarmQuorum',
      tags: ['swarms'],
      summary: 'Raft quorum of the managers',
      params: swarmParams,
    },
    answer: quorumSchema,
    read: async (reads, swarm) => quorumOf(await reads.nodes(swarm)),
  });
}
