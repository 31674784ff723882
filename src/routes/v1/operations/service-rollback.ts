// POST /v1/swarms/:swarm/services/:service/rollback: back to the previous spec (`docker service rollback`) (operator).
import type { FastifyInstance } from 'fastify';
import { serviceRollback, type ServiceRollbackInput } from '../../../operations/service-rollback.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';
import { serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

type Body = Omit<ServiceRollbackInput, 'swarm' | 'service'>;

export default function rollbackServiceRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; service: string }; Body: Body }>(
    '/swarms/:swarm/services/:service/rollback',
    {
      schema: {
        operationId: 'rollbackService',
        tags: ['services'],
        summary: 'Roll a service back to its previous spec (`docker service rollback`) (operator)',
        description:
          'Answers 202 with the job, which follows Docker’s UpdateStatus to rollback_completed. A service ' +
          'without a previous spec is 409 CONFLICT.',
        params: serviceParams,
        body: closedObject({ timeoutSeconds: timeoutSecondsProperty(600), ...serviceMutationMeta }),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
      // Every field is optional, so the body is too: none at all is an empty one (the schema wants an object).
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await serviceRollback(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
