// Approvals in PostgreSQL: the tenant's approval policy, and the transitions of a job that waits for approval
// (given, queued, rejected, expired). Every transition of a job happens under its row lock or as a conditional
// update, so two approvers at once queue a job once, and a job rejected while it is approved ends once.
import type pg from 'pg';
import type { AuditStore } from '../audit/store.ts';
import type { Principal } from '../auth/principal.ts';
import type { ApprovalPolicy, ApprovalRule, JobApproval } from '../domain/approval-policy.ts';
import { conflict } from '../errors.ts';
import { cleanText } from '../util/control-characters.ts';
import { endJob } from './end-job.ts';
import { toJob, type JobRepository, type JobRow } from './repository.ts';
import type { JobRecord } from './types.ts';

/** What an approval did: the job as it now is, and whether it reached its count (queue it now). */
export interface ApprovalGivenResult {
  job: JobRecord;
  queued: boolean;
}

export function createApprovalRepository(pool: pg.Pool) {
  return {
    /** The tenant's policy; no rules until an admin sets some. */
    async policy(tenant: string): Promise<ApprovalPolicy> {
      const result = await pool.query<{ rules: ApprovalRule[]; updated_by: string; updated_at: Date }>(
        'SELECT rules, updated_by, updated_at FROM approval_policies WHERE tenant = $1',
        [tenant],
      );
      const row = result.rows[0];
      if (!row) return { rules: [], updatedBy: null, updatedAt: null };
      return { rules: row.rules, updatedBy: row.updated_by, updatedAt: row.updated_at.toISOString() };
    },

    /** Replaces the tenant's rules (checked by src/domain/approval-policy.ts before). */
    async setPolicy(tenant: string, rules: ApprovalRule[], by: string): Promise<ApprovalPolicy> {
      const result = await pool.query<{ rules: ApprovalRule[]; updated_by: string; updated_at: Date }>(
        `INSERT INTO approval_policies (tenant, rules, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (tenant) DO UPDATE SET rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by,
                                            updated_at = now()
         RETURNING rules, updated_by, updated_at`,
        [tenant, JSON.stringify(rules), cleanText(by)],
      );
      const row = result.rows[0]!;
      return { rules: row.rules, updatedBy: row.updated_by, updatedAt: row.updated_at.toISOString() };
    },

    /**
     * Records `approver`'s approval of an awaiting job under its row lock, after `check` (which throws to refuse:
     * the requester, a repeat); when the approvals reach the count the job becomes `queued` in the same
     * transaction. CONFLICT when the job no longer awaits approval, or its approval expired.
     */
    async approve(
      id: string,
      approver: Principal,
      check: (job: JobRecord, approval: JobApproval) => void,
    ): Promise<ApprovalGivenResult> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const locked = await client.query<JobRow>('SELECT * FROM jobs WHERE id = $1 FOR UPDATE', [id]);
        const row = locked.rows[0];
        if (!row) throw new Error(`job ${id} does not exist`);
        const job = toJob(row);
        const approval = awaitedApproval(job);
        check(job, approval);
        const given = [
          ...approval.given,
          {
            sub: cleanText(approver.sub),
            actors: approver.actors.map(cleanText),
            at: new Date().toISOString(),
          },
        ];
        const queued = given.length >= approval.required;
        const updated = await client.query<JobRow>(
          `UPDATE jobs SET approval = $2, state = $3, updated_at = now() WHERE id = $1 RETURNING *`,
          [id, JSON.stringify({ ...approval, given }), queued ? 'queued' : 'awaiting_approval'],
        );
        await client.query('COMMIT');
        return { job: toJob(updated.rows[0]!), queued };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /** Awaiting jobs whose approval expired, oldest first, for the sweep. */
    async expired(limit = 100): Promise<JobRecord[]> {
      const result = await pool.query<JobRow>(
        `SELECT * FROM jobs WHERE state = 'awaiting_approval' AND approval_expires_at <= now()
          ORDER BY approval_expires_at LIMIT $1`,
        [limit],
      );
      return result.rows.map(toJob);
    },
  };
}

export type ApprovalRepository = ReturnType<typeof createApprovalRepository>;

/** The approval the job waits for; CONFLICT when it waits for none (any more), or it expired. */
export function awaitedApproval(job: JobRecord): JobApproval {
  if (job.state !== 'awaiting_approval' || !job.approval) {
    throw conflict(`job ${job.id} is ${job.state}, not awaiting approval`, { state: job.state });
  }
  if (Date.parse(job.approval.expiresAt) <= Date.now()) {
    throw conflict(`job ${job.id}'s approval expired at ${job.approval.expiresAt}`, { state: job.state });
  }
  return job.approval;
}

export interface ApprovalSweepDeps {
  jobs: JobRepository;
  approvals: ApprovalRepository;
  audit: AuditStore;
  publishJob: (job: JobRecord) => void;
  log: { warn: (object: object, message: string) => void };
}

/**
 * Ends every awaiting job whose approval expired: `cancelled` (CANCELLED, "approval expired"), with its audit
 * outcome. The state is in the database, so a sweep after a restart finds what expired while the gateway was down;
 * two gateways sweeping at once end a job once (endJob's conditional update).
 */
export async function sweepExpiredApprovals(deps: ApprovalSweepDeps): Promise<number> {
  const expired = await deps.approvals.expired();
  for (const job of expired) {
    const given = job.approval?.given.length ?? 0;
    await endJob(deps, job, 'cancelled', {
      errorCode: 'CANCELLED',
      errorMessage: `approval expired at ${job.approval?.expiresAt ?? 'its deadline'} with ${given} of ${
        job.approval?.required ?? 1
      } approvals`,
      from: ['awaiting_approval'],
    });
  }
  return expired.length;
}

/** Runs the sweep every `intervalMs` (and once at start); its stop waits for a sweep under way. */
export function startApprovalSweep(deps: ApprovalSweepDeps, intervalMs: number): () => Promise<void> {
  let current: Promise<void> | null = null;
  const sweep = () => {
    if (current) return;
    current = sweepExpiredApprovals(deps)
      .then(() => undefined)
      .catch((error: unknown) => deps.log.warn({ err: error }, 'approval sweep failed; it runs again'))
      .finally(() => {
        current = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}
