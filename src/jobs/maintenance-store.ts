// The durable record of a rolling maintenance (swarm.maintenance, migrations/009): one row per node with its state,
// and the job's pause. Written at each step, so a job run again after a crash goes on where the last run was, and
// read by the operations that signal the job (continueMaintenance, resumeMaintenance) wherever it runs.
import type pg from 'pg';
import { cleanText } from '../util/control-characters.ts';

export type MaintenanceNodeState =
  'pending' | 'draining' | 'drained' | 'waiting-signal' | 'activating' | 'done' | 'failed';

export interface MaintenanceNode {
  nodeId: string;
  hostname: string;
  role: 'worker' | 'manager';
  state: MaintenanceNodeState;
  /** This job set the node to drain (a cancel sets such nodes active again). */
  drainedByJob: boolean;
  /** The ForceUpdate value each rebalanced service is taken to. */
  rebalance: Record<string, number>;
  /** Services scaled up for the node's drain, by id, with the replicas to restore. */
  surge: Record<string, number>;
  /** When continueMaintenance was sent for the node; null until then. */
  continueAt: string | null;
  message: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface MaintenancePause {
  pausedAt: string | null;
  reason: string | null;
  errorCode: string | null;
  resumeAt: string | null;
}

interface NodeRow {
  node_id: string;
  hostname: string;
  role: 'worker' | 'manager';
  state: MaintenanceNodeState;
  drained_by_job: boolean;
  rebalance: Record<string, number>;
  surge: Record<string, number>;
  continue_at: Date | null;
  message: string | null;
  started_at: Date | null;
  ended_at: Date | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toNode(row: NodeRow): MaintenanceNode {
  return {
    nodeId: row.node_id,
    hostname: row.hostname,
    role: row.role,
    state: row.state,
    drainedByJob: row.drained_by_job,
    rebalance: row.rebalance,
    surge: row.surge,
    continueAt: iso(row.continue_at),
    message: row.message,
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
  };
}

/** Terminal states of a node: its step is over. */
const ENDED: ReadonlySet<MaintenanceNodeState> = new Set(['done', 'failed']);

export function createMaintenanceStore(pool: pg.Pool) {
  return {
    /** The job's nodes in maintenance order; empty before the job first ran. */
    async nodes(jobId: string): Promise<MaintenanceNode[]> {
      const result = await pool.query<NodeRow>(
        'SELECT * FROM maintenance_nodes WHERE job_id = $1 ORDER BY position',
        [jobId],
      );
      return result.rows.map(toNode);
    },

    /**
     * Records the plan once: a job run again keeps the order (and the states) its first run recorded, even if the
     * swarm's nodes or labels have changed since.
     */
    async plan(
      jobId: string,
      nodes: readonly { nodeId: string; hostname: string; role: 'worker' | 'manager' }[],
    ): Promise<MaintenanceNode[]> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const existing = await client.query('SELECT 1 FROM maintenance_nodes WHERE job_id = $1 LIMIT 1', [
          jobId,
        ]);
        if (existing.rowCount === 0) {
          for (const [position, node] of nodes.entries()) {
            await client.query(
              `INSERT INTO maintenance_nodes (job_id, position, node_id, hostname, role)
               VALUES ($1, $2, $3, $4, $5)`,
              [jobId, position, node.nodeId, cleanText(node.hostname), node.role],
            );
          }
          await client.query('INSERT INTO maintenance_pauses (job_id) VALUES ($1) ON CONFLICT DO NOTHING', [
            jobId,
          ]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      return this.nodes(jobId);
    },

    /** Moves a node to `state`: its start time is set on leaving pending, its end time on done/failed. */
    async setState(
      jobId: string,
      nodeId: string,
      state: MaintenanceNodeState,
      message: string | null = null,
    ): Promise<void> {
      await pool.query(
        `UPDATE maintenance_nodes
            SET state = $3, message = $4,
                started_at = COALESCE(started_at, CASE WHEN $3 <> 'pending' THEN now() END),
                ended_at = CASE WHEN $3 IN ('done', 'failed') THEN now() ELSE NULL END
          WHERE job_id = $1 AND node_id = $2`,
        [jobId, nodeId, state, message === null ? null : cleanText(message)],
      );
    },

    /** Records, before the drain is sent, that this job drains the node. */
    async markDrainedByJob(jobId: string, nodeId: string): Promise<void> {
      await pool.query(
        'UPDATE maintenance_nodes SET drained_by_job = true WHERE job_id = $1 AND node_id = $2',
        [jobId, nodeId],
      );
    },

    /** Records the ForceUpdate value a rebalanced service is taken to (before the update is sent). */
    async recordRebalance(
      jobId: string,
      nodeId: string,
      service: string,
      forceUpdate: number,
    ): Promise<void> {
      await pool.query(
        `UPDATE maintenance_nodes SET rebalance = rebalance || jsonb_build_object($3::text, $4::int)
          WHERE job_id = $1 AND node_id = $2`,
        [jobId, nodeId, cleanText(service), forceUpdate],
      );
    },

    /** Records the replicas of a service before it is scaled up for the node's drain (once: the first stays). */
    async recordSurge(jobId: string, nodeId: string, serviceId: string, replicas: number): Promise<void> {
      await pool.query(
        `UPDATE maintenance_nodes SET surge = jsonb_build_object($3::text, $4::int) || surge
          WHERE job_id = $1 AND node_id = $2`,
        [jobId, nodeId, serviceId, replicas],
      );
    },

    /**
     * continueMaintenance: records the signal for the node. Null when the node is not one of the job's; otherwise
     * the node as it was (the caller refuses a signal for a node whose step has not begun or is over).
     */
    async signalContinue(jobId: string, nodeId: string): Promise<MaintenanceNode | null> {
      const result = await pool.query<NodeRow>(
        `UPDATE maintenance_nodes SET continue_at = COALESCE(continue_at, now())
          WHERE job_id = $1 AND node_id = $2 AND state IN ('draining', 'drained', 'waiting-signal')
          RETURNING *`,
        [jobId, nodeId],
      );
      if (result.rows[0]) return toNode(result.rows[0]);
      const found = await pool.query<NodeRow>(
        'SELECT * FROM maintenance_nodes WHERE job_id = $1 AND node_id = $2',
        [jobId, nodeId],
      );
      return found.rows[0] ? toNode(found.rows[0]) : null;
    },

    async pause(jobId: string): Promise<MaintenancePause | null> {
      const result = await pool.query<{
        paused_at: Date | null;
        reason: string | null;
        error_code: string | null;
        resume_at: Date | null;
      }>('SELECT * FROM maintenance_pauses WHERE job_id = $1', [jobId]);
      const row = result.rows[0];
      if (!row) return null;
      return {
        pausedAt: iso(row.paused_at),
        reason: row.reason,
        errorCode: row.error_code,
        resumeAt: iso(row.resume_at),
      };
    },

    /** The job paused on a failed step (a paused job run again after a crash stays paused). */
    async setPaused(jobId: string, reason: string, errorCode: string): Promise<void> {
      await pool.query(
        `UPDATE maintenance_pauses SET paused_at = now(), reason = $2, error_code = $3, resume_at = NULL
          WHERE job_id = $1`,
        [jobId, cleanText(reason), errorCode],
      );
    },

    /** The pause is over (resumed). */
    async clearPause(jobId: string): Promise<void> {
      await pool.query(
        'UPDATE maintenance_pauses SET paused_at = NULL, reason = NULL, error_code = NULL, resume_at = NULL WHERE job_id = $1',
        [jobId],
      );
    },

    /** resumeMaintenance: true when the job was paused (the signal is recorded), false when it was not. */
    async signalResume(jobId: string): Promise<boolean> {
      const result = await pool.query(
        'UPDATE maintenance_pauses SET resume_at = now() WHERE job_id = $1 AND paused_at IS NOT NULL',
        [jobId],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}

export type MaintenanceStore = ReturnType<typeof createMaintenanceStore>;

export const isNodeStepOver = (node: MaintenanceNode): boolean => ENDED.has(node.state);
