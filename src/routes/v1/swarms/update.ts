// PATCH /v1/swarms/:swarm: rename a swarm, replace its labels or its endpoints (admin).
import type { FastifyInstance } from 'fastify';
import { swarmUpdate, type SwarmUpdateInput } from '../../../operations/swarm-update.ts';
import { toSwarmView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { problemResponses, swarmParams, swarmSchema, updateSwarmBody } from '../schemas.ts';

type Body = Omit<SwarmUpdateInput, 'swarm'> & { reason?: string; idempotencyKey?: string };

export default function updateSwarmRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.patch<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm',
    {
      schema: {
        operationId: 'updateSwarm',
        tags: ['swarms'],
        summary: 'Rename a swarm, replace its labels or its endpoints (admin)',
        description:
          'Fields left out are unchanged; new endpoints must be managers of the registered cluster.',
        params: swarmParams,
        body: updateSwarmBody,
        response: { 200: swarmSchema, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) =>
      toSwarmView(
        await swarmUpdate(deps, operationOf(request), {
          ...request.body,
          swarm: request.params.swarm,
        }),
      ),
  );
}
