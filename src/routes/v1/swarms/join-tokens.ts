// GET /v1/swarms/:swarm/join-tokens: the worker and manager join tokens and manager addresses (admin).
import type { FastifyInstance } from 'fastify';
import { swarmJoinTokens } from '../../../operations/swarm-join-tokens.ts';
import type { V1Context } from '../context.ts';
import { joinTokensSchema, problemResponses, swarmParams } from '../schemas.ts';

export default function joinTokensRoute(
  app: FastifyInstance,
  { readsOf, deps, operationOf }: V1Context,
): void {
  app.get<{ Params: { swarm: string } }>(
    '/swarms/:swarm/join-tokens',
    {
      schema: {
        operationId: 'getJoinTokens',
        tags: ['swarms'],
        summary: 'The join tokens of a swarm (admin)',
        description: 'Secrets: answered with Cache-Control no-store.',
        params: swarmParams,
        response: { 200: joinTokensSchema, ...problemResponses(400, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      const tokens = await swarmJoinTokens(deps, operationOf(request), reads, swarm);
      void reply.header('cache-control', 'no-store');
      return tokens;
    },
  );
}
