// GET /v1/swarms/:swarm/status: reachability now; every endpoint is asked (UNREACHABLE is an answer, not an error).
import type { FastifyInstance } from 'fastify';
import { swarmStatus } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import { problemResponses, swarmParams, swarmStatusSchema } from '../schemas.ts';
import { withObservedAt } from './observed-at.ts';

export default function swarmStatusRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string } }>(
    '/swarms/:swarm/status',
    {
      schema: {
        operationId: 'getSwarmStatus',
        tags: ['swarms'],
        summary: 'Reachability of every manager endpoint of a swarm',
        description:
          'A swarm no manager answers for is 200 with state UNREACHABLE and errorCode SWARM_UNREACHABLE.',
        params: swarmParams,
        response: { 200: withObservedAt(swarmStatusSchema, true), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      const [status, observedAt] = await Promise.all([swarmStatus(reads, swarm), reads.observedAt(swarm)]);
      return { ...status, observedAt };
    },
  );
}
