// GET /v1/swarms/:swarm/info: the `Swarm:` block of `docker info`, from a reachable manager.
import type { FastifyInstance } from 'fastify';
import { toSwarmInfoView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { problemResponses, swarmInfoSchema, swarmParams } from '../schemas.ts';

export default function swarmInfoRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string } }>(
    '/swarms/:swarm/info',
    {
      schema: {
        operationId: 'getSwarmInfo',
        tags: ['swarms'],
        summary: 'The swarm block of `docker info` (raft, dispatcher and CA settings)',
        params: swarmParams,
        response: { 200: swarmInfoSchema, ...problemResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      return toSwarmInfoView((await reads.info(swarm)).Swarm);
    },
  );
}
