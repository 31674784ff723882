// PATCH /v1/swarms/:swarm/services/:service: a rolling update of image, env, labels or update settings (operator).
import type { FastifyInstance } from 'fastify';
import type { UpdateServiceInput } from '../../../domain/service-spec.ts';
import { serviceUpdate } from '../../../operations/service-update.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';
import {
  envProperty,
  labelInputs,
  serviceMutationMeta,
  timeoutSecondsProperty,
  updateConfigInput,
} from './service-schemas.ts';

type Body = Omit<UpdateServiceInput, 'swarm' | 'service'>;

export default function updateServiceRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.patch<{ Params: { swarm: string; service: string }; Body: Body }>(
    '/swarms/:swarm/services/:service',
    {
      schema: {
        operationId: 'updateService',
        tags: ['services'],
        summary: 'Rolling update of a service (`docker service update`) (operator)',
        description:
          'Answers 202 with the job. It follows Docker’s UpdateStatus: SUCCEEDED when completed, FAILED when ' +
          'Docker paused the update (with Docker’s message) or rolled it back, IMAGE_MISSING naming the nodes ' +
          'that lack the image. Progress is per task of the new spec. `env` and `labels` replace; ' +
          '`updateConfig` changes only the settings given.',
        params: serviceParams,
        body: closedObject({
          image: { type: 'string', description: 'Used as given (never resolved against a registry)' },
          env: { ...envProperty, description: 'Replaces the environment: KEY=VALUE entries' },
          labels: { ...labelInputs, description: "Replaces the service's labels" },
          updateConfig: updateConfigInput,
          timeoutSeconds: timeoutSecondsProperty(600),
          ...serviceMutationMeta,
        }),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await serviceUpdate(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
