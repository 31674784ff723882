// DELETE /v1/swarms/:swarm/secrets/:secret: remove a secret (`docker secret rm`) (operator); idempotent.
import type { FastifyInstance } from 'fastify';
import { secretRemove } from '../../../operations/secret-remove.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses } from '../schemas.ts';
import { secretParams, removeObjectQuery } from '../swarm-object-schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export default function secretRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; secret: string }; Querystring: Query }>(
    '/swarms/:swarm/secrets/:secret',
    {
      schema: {
        operationId: 'removeSecret',
        tags: ['secrets'],
        summary: 'Remove a secret (`docker secret rm`) (operator)',
        description:
          'Answers 200 with the ended job (202 if it is still running). 409 CONFLICT while services use the ' +
          'secret, naming them; a secret that is already gone is success (the job says nothing was removed).',
        params: secretParams,
        querystring: removeObjectQuery,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await secretRemove(deps, operationOf(request), { ...request.query, ...request.params }),
      ),
  );
}
