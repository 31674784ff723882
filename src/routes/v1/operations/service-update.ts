// PATCH /v1/swarms/:swarm/services/:service: a rolling update of image, env, labels or update settings (operator).
import type { FastifyInstance } from 'fastify';
import type { UpdateServiceInput } from '../../../domain/service-spec.ts';
import { serviceUpdate } from '../../../operations/service-update.ts';
import type { V1Context } from '../context.ts';
import { closedObject } from '../schemas.ts';
import {
  envProperty,
  labelInputs,
  serviceJobRoute,
  serviceMutationMeta,
  timeoutSecondsProperty,
  updateConfigInput,
} from './service-schemas.ts';

export default function serviceUpdateRoute(app: FastifyInstance, context: V1Context): void {
  serviceJobRoute<Omit<UpdateServiceInput, 'swarm' | 'service'>>(app, context, {
    method: 'PATCH',
    url: '/swarms/:swarm/services/:service',
    operationId: 'updateService',
    summary: 'Rolling update of a service (`docker service update`) (operator)',
    description:
      'Answers 202 with the job. It follows Docker’s UpdateStatus: SUCCEEDED when completed, FAILED when ' +
      'Docker paused the update (with Docker’s message) or rolled it back, IMAGE_MISSING naming the nodes ' +
      'that lack the image. Progress is per task of the new spec. `env` and `labels` replace; ' +
      '`updateConfig` changes only the settings given.',
    body: closedObject({
      image: { type: 'string', description: 'Used as given (never resolved against a registry)' },
      env: { ...envProperty, description: 'Replaces the environment: KEY=VALUE entries' },
      labels: { ...labelInputs, description: "Replaces the service's labels" },
      updateConfig: updateConfigInput,
      timeoutSeconds: timeoutSecondsProperty(600),
      ...serviceMutationMeta,
    }),
    operation: serviceUpdate,
  });
}
