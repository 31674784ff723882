// Jobs in PostgreSQL: creation with idempotency keys, state transitions, progress, listing; the input sealed.
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { canonicalJson } from '../audit/chain.ts';
import { redactSecrets } from '../audit/redact.ts';
import type { AuditTarget } from '../audit/types.ts';
import { knownFields, type OperationContext } from '../audit/types.ts';
import { badInput, conflict, isErrorCode, type ErrorCode } from '../errors.ts';
import { cleanJson, cleanText } from '../util/control-characters.ts';
import type { Sealer } from '../util/seal.ts';
import type { JobApproval } from '../domain/approval-policy.ts';
import type { JobProgress, JobRecord, JobState, JobType } from './types.ts';

export interface JobRow {
  id: string;
  tenant: string;
  type: string;
  state: JobState;
  swarm_id: string | null;
  swarm_name: string | null;
  target: AuditTarget;
  parameters: Record<string, unknown>;
  input: Buffer;
  reason: string | null;
  forced: boolean;
  operation_id: string;
  principal_sub: string;
  actors: string[];
  roles: string[];
  source: string;
  client_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  input_hash: Buffer;
  progress_percent: number;
  progress_step: string | null;
  progress_message: string | null;
  result: unknown;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  cancel_requested: boolean;
  approval: JobApproval | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    // Written by an operation of this gateway; the worker checks it again (isJobType) before it picks a processor.
    type: row.type as JobType,
    state: row.state,
    swarmId: row.swarm_id,
    swarmName: row.swarm_name,
    target: row.target,
    parameters: row.parameters,
    reason: row.reason,
    forced: row.forced,
    operationId: row.operation_id,
    requestedBy: { sub: row.principal_sub, actors: row.actors, roles: row.roles, source: row.source },
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    requestId: row.request_id,
    idempotencyKey: row.idempotency_key,
    progress: { percent: row.progress_percent, step: row.progress_step, message: row.progress_message },
    result: row.result,
    errorCode: row.error_code === null ? null : isErrorCode(row.error_code) ? row.error_code : 'INTERNAL',
    errorMessage: row.error_message,
    attempts: row.attempts,
    cancelRequested: row.cancel_requested,
    approval: row.approval ?? null,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface NewJob {
  tenant: string;
  type: JobType;
  swarmId: string | null;
  swarmName: string | null;
  target: AuditTarget;
  /** The full input the processor needs; sealed at rest, shown only with secrets removed. */
  input: Record<string, unknown>;
  reason: string | null;
  forced: boolean;
  operationId: string;
  ctx: OperationContext;
  idempotencyKey: string | null;
  /** The approval the job must wait for (a rule of the tenant's policy matched): it is created awaiting_approval. */
  approval?: JobApproval | null;
}

export interface JobFilter {
  state?: JobState | null | undefined;
  type?: string | null | undefined;
  swarm?: string | null | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sealContext = (id: string) => `job-input:${id}`;

/**
 * JSON for a jsonb column: secrets removed, every string and key cleaned of control characters and lone surrogates
 * (jsonb refuses \u0000; names and messages read from engines may carry anything).
 */
const jsonb = (value: unknown): string => JSON.stringify(cleanJson(redactSecrets(value)));

/** A text column's value, cleaned the same way (PostgreSQL refuses NUL in text). */
const text = (value: string | null | undefined): string | null =>
  value === null || value === undefined ? null : cleanText(value);

/**
 * What a job learned about its target, as JSON to merge into the stored one (`target || $learned`): only the
 * fields it knows, so that a value learned late never blanks one known since the request.
 */
function learnedTarget(target: AuditTarget | undefined): string {
  return jsonb(knownFields(target));
}

/** The swarm a job learned it acts on (a swarm.init job made it), for the job's swarm columns when unset. */
const learnedSwarm = (target: AuditTarget | undefined) => ({
  id: typeof target?.swarmId === 'string' && UUID.test(target.swarmId) ? target.swarmId : null,
  name: typeof target?.swarmName === 'string' ? cleanText(target.swarmName) : null,
});

export function createJobRepository(pool: pg.Pool, sealer: Sealer) {
  return {
    /**
     * Creates a queued job. With an idempotency key already used by the same principal in the tenant, the
     * existing job is returned (`created: false`) when the input is the same, and CONFLICT when it is not.
     */
    async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
      const id = randomUUID();
      const inputHash = createHash('sha256')
        .update(canonicalJson({ type: job.type, swarm: job.swarmId, input: job.input }))
        .digest();
      const actor = job.ctx;
      const inserted = await pool.query<JobRow>(
        `INSERT INTO jobs (id, tenant, type, state, swarm_id, swarm_name, target, parameters, input, reason, forced,
                           operation_id, principal_sub, actors, roles, source, client_address, user_agent, request_id,
                           idempotency_key, input_hash, approval, approval_expires_at)
         VALUES ($1, $2, $3, $21, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $22, $23)
         ON CONFLICT (tenant, principal_sub, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING *`,
        [
          id,
          job.tenant,
          job.type,
          job.swarmId,
          text(job.swarmName),
          jsonb(job.target),
          jsonb(job.input),
          sealer.seal(JSON.stringify(job.input), sealContext(id)),
          text(job.reason),
          job.forced,
          job.operationId,
          cleanText(actor.principal.sub),
          actor.principal.actors.map(cleanText),
          [...actor.principal.roles],
          actor.source,
          text(actor.clientAddress),
          text(actor.userAgent),
          text(actor.requestId),
          text(job.idempotencyKey),
          inputHash,
          job.approval ? 'awaiting_approval' : 'queued',
          job.approval ? JSON.stringify(job.approval) : null,
          job.approval?.expiresAt ?? null,
        ],
      );
      if (inserted.rows[0]) return { job: toJob(inserted.rows[0]), created: true };
      const existing = await pool.query<JobRow>(
        'SELECT * FROM jobs WHERE tenant = $1 AND principal_sub = $2 AND idempotency_key = $3',
        [job.tenant, cleanText(actor.principal.sub), text(job.idempotencyKey)],
      );
      const row = existing.rows[0];
      if (!row) throw new Error('idempotency conflict without an existing job');
      if (!row.input_hash.equals(inputHash)) {
        throw conflict(
          `idempotency key "${job.idempotencyKey}" was already used for another request (job ${row.id}); use a new key`,
          { jobId: row.id },
        );
      }
      return { job: toJob(row), created: false };
    },

    async get(id: string): Promise<JobRecord | null> {
      if (!UUID.test(id)) return null;
      const result = await pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
      return result.rows[0] ? toJob(result.rows[0]) : null;
    },

    /** The sealed input of a job, for its processor. */
    async inputOf(id: string): Promise<Record<string, unknown>> {
      const result = await pool.query<{ input: Buffer }>('SELECT input FROM jobs WHERE id = $1', [id]);
      const row = result.rows[0];
      if (!row) throw new Error(`job ${id} does not exist`);
      return JSON.parse(sealer.open(row.input, sealContext(id))) as Record<string, unknown>;
    },

    async list(tenants: string[] | null, filter: JobFilter, first = 50, after?: string | null) {
      if (!Number.isInteger(first) || first < 1 || first > 500) throw badInput('first must be from 1 to 500');
      const conditions: string[] = [];
      const params: unknown[] = [];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        conditions.push(sql(`$${params.length}`));
      };
      if (tenants !== null) add((p) => `tenant = ANY(${p}::text[])`, tenants);
      if (filter.state) add((p) => `state = ${p}`, filter.state);
      if (filter.type) add((p) => `type = ${p}`, filter.type);
      if (filter.swarm) {
        if (UUID.test(filter.swarm)) add((p) => `swarm_id = ${p}::uuid`, filter.swarm);
        else add((p) => `swarm_name = ${p}`, filter.swarm);
      }
      if (after) {
        const [time, id] = Buffer.from(after, 'base64url').toString('utf8').split('|');
        if (!time || !id || !UUID.test(id) || Number.isNaN(Date.parse(time))) {
          throw badInput('the cursor "after" is not one this API gave out');
        }
        params.push(time, id);
        conditions.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
      }
      params.push(first + 1);
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const result = await pool.query<JobRow>(
        `SELECT * FROM jobs ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
        params,
      );
      const rows = result.rows.slice(0, first);
      const last = rows[rows.length - 1];
      return {
        items: rows.map(toJob),
        pageInfo: {
          endCursor: last
            ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url')
            : null,
          hasNextPage: result.rows.length > first,
        },
      };
    },

    /** queued|running → running; null when the job already ended (a redelivered job is then skipped). */
    async markRunning(id: string): Promise<JobRecord | null> {
      const result = await pool.query<JobRow>(
        `UPDATE jobs SET state = 'running', started_at = COALESCE(started_at, now()), attempts = attempts + 1,
                         updated_at = now()
          WHERE id = $1 AND state IN ('queued', 'running') RETURNING *`,
        [id],
      );
      return result.rows[0] ? toJob(result.rows[0]) : null;
    },

    /**
     * Merges what a running job learned about its target (a created service's id, a joined node's id) into the
     * stored target at once: the job shows it while it runs, and its outcome names it however the job ends.
     */
    async learnTarget(id: string, target: AuditTarget): Promise<JobRecord | null> {
      const result = await pool.query<JobRow>(
        `UPDATE jobs SET target = target || $2::jsonb, updated_at = now()
          WHERE id = $1 AND state = 'running' RETURNING *`,
        [id, learnedTarget(target)],
      );
      return result.rows[0] ? toJob(result.rows[0]) : null;
    },

    async progress(id: string, progress: JobProgress): Promise<JobRecord | null> {
      const result = await pool.query<JobRow>(
        `UPDATE jobs SET progress_percent = $2, progress_step = $3, progress_message = $4, updated_at = now()
          WHERE id = $1 AND state = 'running' RETURNING *`,
        [
          id,
          Math.max(0, Math.min(100, Math.round(progress.percent))),
          text(progress.step),
          text(progress.message),
        ],
      );
      return result.rows[0] ? toJob(result.rows[0]) : null;
    },

    /**
     * Ends a job that has not ended yet, and runs `alongside` (the audit outcome) in the same transaction, so a
     * job gets exactly one outcome event even if two processes race to finish it. Null when it had ended.
     */
    async finish<T>(
      id: string,
      end: {
        state: Exclude<JobState, 'awaiting_approval' | 'queued' | 'running'>;
        /** Only from these states (default queued or running). */
        from?: ('awaiting_approval' | 'queued' | 'running')[];
        result?: unknown;
        /** What the job learned about its target, merged into the stored one (the most complete wins). */
        target?: AuditTarget | undefined;
        errorCode?: ErrorCode | null;
        errorMessage?: string | null;
      },
      alongside: (client: pg.PoolClient, job: JobRecord) => Promise<T>,
    ): Promise<{ job: JobRecord; extra: T } | null> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const swarm = learnedSwarm(end.target);
        const result = await client.query<JobRow>(
          `UPDATE jobs SET state = $2, result = $3, error_code = $4, error_message = $5, finished_at = now(),
                           updated_at = now(),
                           progress_percent = CASE WHEN $2 = 'succeeded' THEN 100 ELSE progress_percent END,
                           target = target || $7::jsonb,
                           swarm_id = COALESCE(swarm_id, $8::uuid), swarm_name = COALESCE(swarm_name, $9)
            WHERE id = $1 AND state = ANY($6::text[]) RETURNING *`,
          [
            id,
            end.state,
            end.result === undefined ? null : jsonb(end.result),
            end.errorCode ?? null,
            text(end.errorMessage),
            end.from ?? ['queued', 'running'],
            learnedTarget(end.target),
            swarm.id,
            swarm.name,
          ],
        );
        const row = result.rows[0];
        if (!row) {
          await client.query('ROLLBACK');
          return null;
        }
        const job = toJob(row);
        const extra = await alongside(client, job);
        await client.query('COMMIT');
        return { job, extra };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    async requestCancel(id: string): Promise<JobRecord | null> {
      const result = await pool.query<JobRow>(
        `UPDATE jobs SET cancel_requested = true, updated_at = now()
          WHERE id = $1 AND state IN ('queued', 'running') RETURNING *`,
        [id],
      );
      return result.rows[0] ? toJob(result.rows[0]) : null;
    },

    async isCancelRequested(id: string): Promise<boolean> {
      const result = await pool.query<{ cancel_requested: boolean }>(
        'SELECT cancel_requested FROM jobs WHERE id = $1',
        [id],
      );
      return result.rows[0]?.cancel_requested ?? false;
    },

    /** Jobs not yet ended, for the worker to make sure each is in the queue after a restart. */
    async unfinished(): Promise<{ id: string; type: string }[]> {
      const result = await pool.query<{ id: string; type: string }>(
        "SELECT id, type FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at",
      );
      return result.rows;
    },
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;
