// GET /v1/swarms/:swarm/quorum: managers, how many are reachable, how many are needed and tolerated.
import type { FastifyInstance } from 'fastify';
import { quorumOf } from '../../../queries/views.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import { problemResponses, quorumSchema, swarmParams } from '../schemas.ts';

export default function swarmQuorumRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string } }>(
    '/swarms/:swarm/quorum',
    {
      config: { keepAnswer: keptByUrl },
      schema: {
        operationId: 'getSwarmQuorum',
        tags: ['swarms'],
        summary: 'Raft quorum of the managers',
        params: swarmParams,
        response: { 200: quorumSchema, ...problemResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      return quorumOf(await reads.nodes(await reads.getSwarm(request.params.swarm)));
    },
  );
}
