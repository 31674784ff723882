// POST /v1/swarms: register a running swarm by its manager endpoints (admin); 201 with its Location.
import type { FastifyInstance } from 'fastify';
import { swarmRegister, type SwarmRegisterInput } from '../../../operations/swarm-register.ts';
import { toSwarmView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { problemResponses, registerSwarmBody, swarmSchema } from '../schemas.ts';

type Body = SwarmRegisterInput & { reason?: string; idempotencyKey?: string };

export default function registerSwarmRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Body: Body }>(
    '/swarms',
    {
      schema: {
        operationId: 'registerSwarm',
        tags: ['swarms'],
        summary: 'Register a swarm by one or more of its manager endpoints (admin)',
        description:
          'Every endpoint is asked for `docker info` and must be a manager of the same cluster. ' +
          'TLS material is stored encrypted and never returned.',
        body: registerSwarmBody,
        response: {
          201: { ...swarmSchema, description: 'Registered; Location is the swarm' },
          ...problemResponses(400, 403, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const swarm = await swarmRegister(deps, operationOf(request), request.body);
      return reply.code(201).header('location', `${app.prefix}/swarms/${swarm.id}`).send(toSwarmView(swarm));
    },
  );
}
