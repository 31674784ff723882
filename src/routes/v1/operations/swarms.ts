// REST doors of the swarm operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../index.ts';

export default async function swarmOperationRoutes(
  _app: FastifyInstance,
  _context: V1Context,
): Promise<void> {}
