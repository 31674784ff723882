// DELETE /v1/swarms/:swarm: forget a swarm's registration (admin); the swarm itself is not touched.
import type { FastifyInstance } from 'fastify';
import { swarmUnregister } from '../../../operations/swarm-unregister.ts';
import type { V1Context } from '../context.ts';
import { mutationMetaQuery, problemResponses, swarmParams, unregisteredSwarmSchema } from '../schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
}

export default function unregisterSwarmRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string }; Querystring: Query }>(
    '/swarms/:swarm',
    {
      schema: {
        operationId: 'unregisterSwarm',
        tags: ['swarms'],
        summary: 'Unregister a swarm (admin); the swarm itself is not touched',
        params: swarmParams,
        querystring: mutationMetaQuery,
        response: { 200: unregisteredSwarmSchema, ...problemResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const swarm = await swarmUnregister(deps, operationOf(request), {
        ...request.query,
        swarm: request.params.swarm,
      });
      return { id: swarm.id, name: swarm.name };
    },
  );
}
