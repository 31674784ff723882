// DELETE /v1/swarms/:swarm/services/:service: remove a service (`docker service rm`) (operator); idempotent.
import type { FastifyInstance } from 'fastify';
import { serviceRemove } from '../../../operations/service-remove.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';
import { serviceMutationMeta } from './service-schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export default function serviceRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; service: string }; Querystring: Query }>(
    '/swarms/:swarm/services/:service',
    {
      schema: {
        operationId: 'removeService',
        tags: ['services'],
        summary: 'Remove a service (`docker service rm`) (operator)',
        description:
          'Answers 200 with the ended job (202 if it is still running). A service that is already gone is ' +
          'success: the job says nothing was removed.',
        params: serviceParams,
        querystring: closedObject({ ...serviceMutationMeta }),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await serviceRemove(deps, operationOf(request), { ...request.query, ...request.params }),
      ),
  );
}
