// PATCH /v1/swarms/:swarm/services/:service: a rolling update of image, env, labels or update settings (operator).
import type { FastifyInstance } from 'fastify';
import type { UpdateServiceInput } from '../../../domain/service-spec.ts';
import { serviceUpdate } from '../../../operations/service-update.ts';
import type { V1Context } from '../context.ts';
import { closedObject } from '../schemas.ts';
import { serviceBaseProperties, serviceSpecFieldProperties } from '../service-spec-schemas.ts';
import {
  envProperty,
  labelInputs,
  serviceJobRoute,
  serviceMutationMeta,
  timeoutSecondsProperty,
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
      'that lack the image. Progress is per task of the new spec. Every field given replaces its part of the ' +
      'spec, every other part stays as it is; `updateConfig` and `rollbackConfig` change only the settings ' +
      'given. `name` and `mode` must be the service’s own (Docker can change neither): a service’s `spec`, as ' +
      'a read answers it, edited and sent back here, means the same. Refused (403) when the result would ' +
      'mount a host path, add a capability or set privileges the swarm’s policy does not allow.',
    body: closedObject({
      ...serviceBaseProperties,
      ...serviceSpecFieldProperties,
      mode: { type: 'string', enum: ['REPLICATED', 'GLOBAL'], description: "Only the service's own mode" },
      name: { type: 'string', description: "Only the service's own name (Docker cannot rename a service)" },
      image: { type: 'string', description: 'Used as given (never resolved against a registry)' },
      env: { ...envProperty, description: 'Replaces the environment: KEY=VALUE entries' },
      labels: { ...labelInputs, description: "Replaces the service's labels" },
      timeoutSeconds: timeoutSecondsProperty(600),
      ...serviceMutationMeta,
    }),
    operation: serviceUpdate,
  });
}
