// REST doors of the network, secret and config operations (one file per endpoint beside this one); each answers
// 202 with the job's Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import configCreateRoute from './config-create.ts';
import configRemoveRoute from './config-remove.ts';
import networkCreateRoute from './network-create.ts';
import networkRemoveRoute from './network-remove.ts';
import secretCreateRoute from './secret-create.ts';
import secretRemoveRoute from './secret-remove.ts';
import secretRotateRoute from './secret-rotate.ts';

export default async function swarmObjectOperationRoutes(
  app: FastifyInstance,
  context: V1Context,
): Promise<void> {
  for (const route of [
    networkCreateRoute,
    networkRemoveRoute,
    secretCreateRoute,
    secretRemoveRoute,
    secretRotateRoute,
    configCreateRoute,
    configRemoveRoute,
  ]) {
    await app.register(route, context);
  }
}
