// REST doors of the node operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import setNodeAvailabilityRoute from './node-availability.ts';
import demoteNodeRoute from './node-demote.ts';
import updateNodeLabelsRoute from './node-labels.ts';
import promoteNodeRoute from './node-promote.ts';
import removeNodeRoute from './node-remove.ts';

export default async function nodeOperationRoutes(app: FastifyInstance, context: V1Context): Promise<void> {
  for (const route of [
    setNodeAvailabilityRoute,
    promoteNodeRoute,
    demoteNodeRoute,
    updateNodeLabelsRoute,
    removeNodeRoute,
  ]) {
    await app.register(route, context);
  }
}
