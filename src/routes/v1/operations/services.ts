// REST doors of the service operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import createServiceRoute from './service-create.ts';
import removeServiceRoute from './service-remove.ts';
import rollbackServiceRoute from './service-rollback.ts';
import scaleServiceRoute from './service-scale.ts';
import updateServiceRoute from './service-update.ts';

export default async function serviceOperationRoutes(
  app: FastifyInstance,
  context: V1Context,
): Promise<void> {
  for (const route of [
    createServiceRoute,
    scaleServiceRoute,
    updateServiceRoute,
    rollbackServiceRoute,
    removeServiceRoute,
  ]) {
    await app.register(route, context);
  }
}
