// POST /v1/swarms/:swarm/services/:service/scale: set a replicated service's replicas (operator).
import type { FastifyInstance } from 'fastify';
import { serviceScale, type ServiceScaleInput } from '../../../operations/service-scale.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';
import { serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

type Body = Omit<ServiceScaleInput, 'swarm' | 'service'>;

export default function scaleServiceRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; service: string }; Body: Body }>(
    '/swarms/:swarm/services/:service/scale',
    {
      schema: {
        operationId: 'scaleService',
        tags: ['services'],
        summary: 'Scale a replicated service (`docker service scale`) (operator)',
        description:
          'The job ends when exactly `replicas` tasks run. The answer waits briefly: 200 with the ended job, ' +
          'or 202 while it still runs. A global service is 400 BAD_INPUT.',
        params: serviceParams,
        body: closedObject(
          {
            replicas: { type: 'integer', minimum: 0 },
            timeoutSeconds: timeoutSecondsProperty(120),
            ...serviceMutationMeta,
          },
          ['replicas'],
        ),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await serviceScale(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
