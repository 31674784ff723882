// The join-token rotation schedule of each swarm (migrations/008): the setting, when it last rotated, when it is due.
// The conditional `claimDue` is what lets one gateway, and only one, rotate a due swarm.
import type pg from 'pg';

/** A swarm's schedule as set by an admin (src/domain/join-token-rotation.ts checks it). */
export interface JoinTokenRotationSetting {
  /** null: no periodic rotation. */
  everyDays: number | null;
  afterJoin: boolean;
}

export interface JoinTokenRotationRecord extends JoinTokenRotationSetting {
  swarmId: string;
  lastRotatedAt: string | null;
  /** When the next periodic rotation is due; null without a periodic schedule. */
  nextAt: string | null;
  /** Roles of the last claimed periodic rotation whose job has not been started yet. */
  pendingRoles: string[];
  /** The last claim's id (idempotency keys of its jobs). */
  claimId: string | null;
}

interface Row {
  swarm_id: string;
  every_days: number | null;
  after_join: boolean;
  last_rotated_at: Date | null;
  next_at: Date | null;
  pending_roles: string[];
  claim_id: string | null;
}

const recordOf = (row: Row): JoinTokenRotationRecord => ({
  swarmId: row.swarm_id,
  everyDays: row.every_days,
  afterJoin: row.after_join,
  lastRotatedAt: row.last_rotated_at?.toISOString() ?? null,
  nextAt: row.next_at?.toISOString() ?? null,
  pendingRoles: row.pending_roles,
  claimId: row.claim_id,
});

export interface JoinTokenRotationRepository {
  get(swarmId: string): Promise<JoinTokenRotationRecord | null>;
  /**
   * Stores the setting. A new or changed period starts now (next_at = now + period); an unchanged one keeps its
   * next_at. `periodMs` is the period of `setting.everyDays`.
   */
  set(
    swarmId: string,
    setting: JoinTokenRotationSetting,
    periodMs: number | null,
  ): Promise<JoinTokenRotationRecord>;
  /**
   * Claims the swarm's due periodic rotation: moves next_at to now + its period, records now as the last rotation and
   * `roles` as still to start, only if next_at is at most `slackMs` away. Null when it is not due (or another gateway
   * claimed it first).
   */
  claimDue(
    swarmId: string,
    dayMs: number,
    slackMs: number,
    roles: readonly string[],
  ): Promise<JoinTokenRotationRecord | null>;
  /**
   * Runs `start` on the swarm's claimed rotation while holding its row, so that no other gateway starts the same roles
   * meanwhile (it skips the row); `started` crosses a role off, committed with the rest when `start` returns. A gateway
   * dying inside leaves every role pending for the next start. Null when nothing is pending or another holds it.
   */
  withPending<T>(
    swarmId: string,
    start: (record: JoinTokenRotationRecord, started: (role: string) => Promise<void>) => Promise<T>,
  ): Promise<T | null>;
  /** Swarms with a claimed rotation some of whose jobs were never started (the gateway died in between). */
  listPending(): Promise<JoinTokenRotationRecord[]>;
  /** Records a rotation started outside the period (afterJoin): next_at stays. */
  markRotated(swarmId: string): Promise<void>;
  /** Swarms whose periodic rotation was due by now (missed while no gateway ran). */
  listDue(): Promise<JoinTokenRotationRecord[]>;
  /** Every swarm with a periodic schedule (its BullMQ scheduler is re-created at start if Redis lost it). */
  listScheduled(): Promise<JoinTokenRotationRecord[]>;
}

export function createJoinTokenRotationRepository(pool: pg.Pool): JoinTokenRotationRepository {
  return {
    async get(swarmId) {
      const result = await pool.query<Row>('SELECT * FROM join_token_rotations WHERE swarm_id = $1', [
        swarmId,
      ]);
      return result.rows[0] ? recordOf(result.rows[0]) : null;
    },
    async set(swarmId, setting, periodMs) {
      const result = await pool.query<Row>(
        `INSERT INTO join_token_rotations AS r (swarm_id, every_days, after_join, next_at)
         VALUES ($1, $2, $3, CASE WHEN $2::integer IS NULL THEN NULL
                                  ELSE now() + $4::bigint * interval '1 millisecond' END)
         ON CONFLICT (swarm_id) DO UPDATE SET
           every_days = EXCLUDED.every_days,
           after_join = EXCLUDED.after_join,
           next_at = CASE WHEN EXCLUDED.every_days IS NOT DISTINCT FROM r.every_days THEN r.next_at
                          ELSE EXCLUDED.next_at END,
           updated_at = now()
         RETURNING *`,
        [swarmId, setting.everyDays, setting.afterJoin, periodMs],
      );
      return recordOf(result.rows[0]!);
    },
    async claimDue(swarmId, dayMs, slackMs, roles) {
      const result = await pool.query<Row>(
        `UPDATE join_token_rotations
            SET next_at = now() + every_days * $2::bigint * interval '1 millisecond',
                last_rotated_at = now(), pending_roles = $4::text[],
                claim_id = gen_random_uuid(), updated_at = now()
          WHERE swarm_id = $1 AND every_days IS NOT NULL
            AND next_at <= now() + $3::bigint * interval '1 millisecond'
          RETURNING *`,
        [swarmId, dayMs, slackMs, roles],
      );
      return result.rows[0] ? recordOf(result.rows[0]) : null;
    },
    async withPending(swarmId, start) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const held = await client.query<Row>(
          `SELECT * FROM join_token_rotations WHERE swarm_id = $1 AND cardinality(pending_roles) > 0
             FOR UPDATE SKIP LOCKED`,
          [swarmId],
        );
        const row = held.rows[0];
        if (!row) {
          await client.query('COMMIT');
          return null;
        }
        const result = await start(recordOf(row), async (role) => {
          await client.query(
            `UPDATE join_token_rotations SET pending_roles = array_remove(pending_roles, $2), updated_at = now()
              WHERE swarm_id = $1`,
            [swarmId, role],
          );
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listPending() {
      const result = await pool.query<Row>(
        'SELECT * FROM join_token_rotations WHERE cardinality(pending_roles) > 0 ORDER BY swarm_id',
      );
      return result.rows.map(recordOf);
    },
    async markRotated(swarmId) {
      await pool.query(
        'UPDATE join_token_rotations SET last_rotated_at = now(), updated_at = now() WHERE swarm_id = $1',
        [swarmId],
      );
    },
    async listDue() {
      const result = await pool.query<Row>(
        'SELECT * FROM join_token_rotations WHERE next_at <= now() ORDER BY next_at',
      );
      return result.rows.map(recordOf);
    },
    async listScheduled() {
      const result = await pool.query<Row>(
        'SELECT * FROM join_token_rotations WHERE next_at IS NOT NULL ORDER BY swarm_id',
      );
      return result.rows.map(recordOf);
    },
  };
}
