// REST doors of the node operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import nodeAvailabilityRoute from './node-availability.ts';
import nodeDemoteRoute from './node-demote.ts';
import nodeLabelsRoute from './node-labels.ts';
import nodePromoteRoute from './node-promote.ts';
import nodeRemoveRoute from './node-remove.ts';

export default async function nodeOperationRoutes(app: FastifyInstance, context: V1Context): Promise<void> {
  for (const route of [
    nodeAvailabilityRoute,
    nodePromoteRoute,
    nodeDemoteRoute,
    nodeLabelsRoute,
    nodeRemoveRoute,
  ]) {
    await app.register(route, context);
  }
}
