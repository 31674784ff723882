// A maintenance job's nodes as both doors show them: the per-node record the job keeps (jobs/maintenance-store.ts).
// The caller has found the job in its tenant already (the job query, the jobUpdated subscription, GET /v1/jobs/:id).
import type pg from 'pg';
import { createMaintenanceStore, type MaintenanceNode } from '../jobs/maintenance-store.ts';

export interface MaintenanceNodeView {
  nodeId: string;
  hostname: string;
  role: 'WORKER' | 'MANAGER';
  state: 'PENDING' | 'DRAINING' | 'DRAINED' | 'WAITING_SIGNAL' | 'ACTIVATING' | 'DONE' | 'FAILED';
  message: string | null;
  continuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export function toMaintenanceNodeView(node: MaintenanceNode): MaintenanceNodeView {
  return {
    nodeId: node.nodeId,
    hostname: node.hostname,
    role: node.role === 'manager' ? 'MANAGER' : 'WORKER',
    state: node.state.replace('-', '_').toUpperCase() as MaintenanceNodeView['state'],
    message: node.message,
    continuedAt: node.continueAt,
    startedAt: node.startedAt,
    endedAt: node.endedAt,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The nodes of a maintenance job in maintenance order; none for another job type (nothing is read then). */
export async function maintenanceNodesOf(
  pool: pg.Pool,
  job: { id: string; type: string },
): Promise<MaintenanceNodeView[]> {
  // A dry run's answer (id `plan:<uuid>`) is no stored job: it has no nodes.
  if (job.type !== 'swarm.maintenance' || !UUID.test(job.id)) return [];
  return (await createMaintenanceStore(pool).nodes(job.id)).map(toMaintenanceNodeView);
}
