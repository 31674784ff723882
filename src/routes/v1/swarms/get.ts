// GET /v1/swarms/:swarm: one swarm's registration, by id or name (another tenant's is NOT_FOUND).
import type { FastifyInstance } from 'fastify';
import { toSwarmView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { problemResponses, swarmParams, swarmSchema } from '../schemas.ts';
import { withObservedAt } from './observed-at.ts';

export default function getSwarmRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string } }>(
    '/swarms/:swarm',
    {
      schema: {
        operationId: 'getSwarm',
        tags: ['swarms'],
        summary: 'Get a swarm by id or name',
        params: swarmParams,
        response: { 200: withObservedAt(swarmSchema, false), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      // Registration data only: the state's age is shown when the swarm is watched, no watcher is started for it.
      return { ...toSwarmView(swarm), observedAt: await reads.observedAt(swarm, { start: false }) };
    },
  );
}
