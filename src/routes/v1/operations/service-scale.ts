// POST /v1/swarms/:swarm/services/:service/scale: set a replicated service's replicas (operator).
import type { FastifyInstance } from 'fastify';
import { serviceScale, type ServiceScaleInput } from '../../../operations/service-scale.ts';
import type { V1Context } from '../context.ts';
import { closedObject } from '../schemas.ts';
import { serviceJobRoute, serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

export default function serviceScaleRoute(app: FastifyInstance, context: V1Context): void {
  serviceJobRoute<Omit<ServiceScaleInput, 'swarm' | 'service'>>(app, context, {
    method: 'POST',
    url: '/swarms/:swarm/services/:service/scale',
    operationId: 'scaleService',
    summary: 'Scale a replicated service (`docker service scale`) (operator)',
    description:
      'The job ends when exactly `replicas` tasks run. The answer waits briefly: 200 with the ended job, ' +
      'or 202 while it still runs. A global service is 400 BAD_INPUT.',
    body: closedObject(
      {
        replicas: { type: 'integer', minimum: 0 },
        timeoutSeconds: timeoutSecondsProperty(120),
        ...serviceMutationMeta,
      },
      ['replicas'],
    ),
    operation: serviceScale,
  });
}
