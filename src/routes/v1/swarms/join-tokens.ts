// GET /v1/swarms/:swarm/join-tokens: the worker and manager join tokens and manager addresses (admin).
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../../auth/authorize.ts';
import type { V1Context } from '../index.ts';
import { joinTokensSchema, problemResponses, swarmParams } from '../schemas.ts';

export default function joinTokensRoute(app: FastifyInstance, { readsOf }: V1Context): void {
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
      requireRole(reads.principal, 'admin', 'read join tokens');
      const [inspected, nodes] = await Promise.all([reads.inspect(swarm), reads.nodes(swarm)]);
      void reply.header('cache-control', 'no-store');
      return {
        worker: inspected.JoinTokens?.Worker ?? '',
        manager: inspected.JoinTokens?.Manager ?? '',
        managerAddresses: nodes.flatMap((node) =>
          node.ManagerStatus?.Addr ? [node.ManagerStatus.Addr] : [],
        ),
      };
    },
  );
}
