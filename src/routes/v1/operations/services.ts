// REST doors of the service operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import serviceCreateRoute from './service-create.ts';
import serviceRemoveRoute from './service-remove.ts';
import serviceRollbackRoute from './service-rollback.ts';
import serviceScaleRoute from './service-scale.ts';
import serviceUpdateRoute from './service-update.ts';

export default async function serviceOperationRoutes(
  app: FastifyInstance,
  context: V1Context,
): Promise<void> {
  for (const route of [
    serviceCreateRoute,
    serviceScaleRoute,
    serviceUpdateRoute,
    serviceRollbackRoute,
    serviceRemoveRoute,
  ]) {
    await app.register(route, context);
  }
}
