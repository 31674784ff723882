// REST doors of the stack operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when it already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import stackDeployRoute from './stack-deploy.ts';
import stackRemoveRoute from './stack-remove.ts';

export default async function stackOperationRoutes(app: FastifyInstance, context: V1Context): Promise<void> {
  for (const route of [stackRemoveRoute, stackDeployRoute]) {
    await app.register(route, context);
  }
}
