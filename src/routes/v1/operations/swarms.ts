// REST doors of the swarm operations (one file per endpoint beside this one); each answers 202 with the job's
// Location, or 200 with the job when a quick operation already ended.
import type { FastifyInstance } from 'fastify';
import type { V1Context } from '../context.ts';
import initSwarm from './swarm-init.ts';
import joinNode from './swarm-join-node.ts';
import leaveSwarm from './swarm-leave.ts';
import rotateJoinToken from './swarm-rotate-join-token.ts';
import maintenance from './swarm-maintenance.ts';
import maintenanceSignals from './swarm-maintenance-signals.ts';

export default async function swarmOperationRoutes(app: FastifyInstance, context: V1Context): Promise<void> {
  for (const endpoint of [rotateJoinToken, joinNode, leaveSwarm, initSwarm, maintenance, maintenanceSignals])
    await app.register(endpoint, context);
}
