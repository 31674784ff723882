// DELETE /v1/swarms/:swarm/networks/:network: remove a network (`docker network rm`) (operator); idempotent.
import type { FastifyInstance } from 'fastify';
import { networkRemove } from '../../../operations/network-remove.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses } from '../schemas.ts';
import { networkParams, removeObjectQuery } from '../swarm-object-schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export default function networkRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; network: string }; Querystring: Query }>(
    '/swarms/:swarm/networks/:network',
    {
      schema: {
        operationId: 'removeNetwork',
        tags: ['networks'],
        summary: 'Remove a network (`docker network rm`) (operator)',
        description:
          'Answers 200 with the ended job (202 if it is still running). 409 CONFLICT while services use the ' +
          'network, naming them; a network that is already gone is success (the job says nothing was removed).',
        params: networkParams,
        querystring: removeObjectQuery,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await networkRemove(deps, operationOf(request), { ...request.query, ...request.params }),
      ),
  );
}
