// POST /v1/swarms/:swarm/services/:service/rollback: back to the previous spec (`docker service rollback`) (operator).
import type { FastifyInstance } from 'fastify';
import { serviceRollback, type ServiceRollbackInput } from '../../../operations/service-rollback.ts';
import type { V1Context } from '../context.ts';
import { closedObject } from '../schemas.ts';
import { serviceJobRoute, serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

export default function serviceRollbackRoute(app: FastifyInstance, context: V1Context): void {
  serviceJobRoute<Omit<ServiceRollbackInput, 'swarm' | 'service'>>(app, context, {
    method: 'POST',
    url: '/swarms/:swarm/services/:service/rollback',
    operationId: 'rollbackService',
    summary: 'Roll a service back to its previous spec (`docker service rollback`) (operator)',
    description:
      'Answers 202 with the job, which follows Docker’s UpdateStatus to rollback_completed. A service ' +
      'without a previous spec is 409 CONFLICT.',
    body: closedObject({ timeoutSeconds: timeoutSecondsProperty(600), ...serviceMutationMeta }),
    optionalBody: true,
    operation: serviceRollback,
  });
}
