// The audit log in PostgreSQL: appends to the tenant's hash chain, lists and streams with filters, verifies chains.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { badInput } from '../errors.ts';
import { chainHash, GENESIS_HASH } from './chain.ts';
import { cleanJson, cleanText } from '../util/control-characters.ts';
import { redactSecrets, scrubString } from './redact.ts';
import type { AuditEvent, AuditFilter, AuditPhase, NewAuditEvent } from './types.ts';

/** The columns of a row, as stored; every one but seq and hash is covered by the hash. */
interface AuditRow {
  seq: string;
  id: string;
  tenant: string;
  tenant_seq: string | number;
  occurred_at: Date;
  operation_id: string;
  phase: AuditPhase;
  action: string;
  principal_sub: string;
  actors: string[];
  roles: string[];
  source: AuditEvent['source'];
  client_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  swarm_id: string | null;
  swarm_name: string | null;
  node_id: string | null;
  node_name: string | null;
  service_id: string | null;
  service_name: string | null;
  target: Record<string, unknown>;
  parameters: Record<string, unknown>;
  reason: string | null;
  forced: boolean;
  error_code: string | null;
  error_message: string | null;
  job_id: string | null;
  result: unknown;
  prev_hash: Buffer;
  hash: Buffer;
}

const COLUMNS = [
  'id',
  'tenant',
  'tenant_seq',
  'occurred_at',
  'operation_id',
  'phase',
  'action',
  'principal_sub',
  'actors',
  'roles',
  'source',
  'client_address',
  'user_agent',
  'request_id',
  'swarm_id',
  'swarm_name',
  'node_id',
  'node_name',
  'service_id',
  'service_name',
  'target',
  'parameters',
  'reason',
  'forced',
  'error_code',
  'error_message',
  'job_id',
  'result',
  'prev_hash',
] as const;

const SELECT = `SELECT seq, ${COLUMNS.join(', ')}, hash FROM audit_events`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APPEND_TIMEOUT_MS = 3000;

/** What the hash covers, normalised the same way whether built for writing or read back from a row. */
function hashedContent(row: Omit<AuditRow, 'seq' | 'hash'>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const column of COLUMNS) content[column] = row[column];
  content.tenant_seq = Number(row.tenant_seq);
  content.occurred_at = row.occurred_at.toISOString();
  content.prev_hash = row.prev_hash.toString('hex');
  return content;
}

/**
 * A text column's value: secrets scrubbed, cut to `max`, then cleaned of control characters and lone surrogates
 * (PostgreSQL refuses NUL; an engine's message may carry anything). Cleaned after the cut, which could split a
 * surrogate pair: the hash must cover exactly what PostgreSQL stores and gives back.
 */
const text = (value: string | null | undefined, max = 2000) =>
  value === null || value === undefined ? null : cleanText(scrubString(value).slice(0, max));

/** A jsonb column's value: secrets removed, every string and key cleaned (jsonb refuses \u0000). */
const json = (value: unknown): unknown => cleanJson(redactSecrets(value));

function toEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    seq: String(row.seq),
    tenant: row.tenant,
    tenantSeq: Number(row.tenant_seq),
    occurredAt: row.occurred_at.toISOString(),
    operationId: row.operation_id,
    phase: row.phase,
    action: row.action,
    principalSub: row.principal_sub,
    actors: row.actors,
    roles: row.roles,
    source: row.source,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    requestId: row.request_id,
    target: row.target,
    parameters: row.parameters,
    reason: row.reason,
    forced: row.forced,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    jobId: row.job_id,
    result: row.result,
    prevHash: row.prev_hash.toString('hex'),
    hash: row.hash.toString('hex'),
  };
}

/** WHERE clause and parameters for a filter within the visible tenants (null: every tenant). */
function whereOf(tenants: string[] | null, filter: AuditFilter): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (tenants !== null) add((p) => `tenant = ANY(${p}::text[])`, tenants);
  if (filter.actor) add((p) => `(principal_sub = ${p} OR ${p} = ANY(actors))`, filter.actor);
  if (filter.action) {
    const prefix = filter.action.endsWith('*') ? filter.action.slice(0, -1) : filter.action;
    if (prefix.endsWith('.')) add((p) => `starts_with(action, ${p})`, prefix);
    else add((p) => `action = ${p}`, filter.action);
  }
  if (filter.swarm) {
    if (UUID.test(filter.swarm)) add((p) => `swarm_id = ${p}::uuid`, filter.swarm);
    else add((p) => `swarm_name = ${p}`, filter.swarm);
  }
  if (filter.node) add((p) => `(node_id = ${p} OR node_name = ${p})`, filter.node);
  if (filter.service) add((p) => `(service_id = ${p} OR service_name = ${p})`, filter.service);
  if (filter.outcome) add((p) => `phase = ${p}`, filter.outcome);
  if (filter.operationId) {
    if (!UUID.test(filter.operationId)) throw badInput('operationId must be a UUID');
    add((p) => `operation_id = ${p}::uuid`, filter.operationId);
  }
  for (const [bound, op] of [
    ['from', '>='],
    ['to', '<'],
  ] as const) {
    const value = filter[bound];
    if (!value) continue;
    if (Number.isNaN(Date.parse(value))) throw badInput(`${bound} must be an ISO-8601 time`);
    add((p) => `occurred_at ${op} ${p}::timestamptz`, value);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export interface AuditPage {
  items: AuditEvent[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export interface BrokenLink {
  tenant: string;
  seq: string;
  id: string;
  tenantSeq: number;
  problem: string;
}

export interface ChainReport {
  tenant: string;
  events: number;
  ok: boolean;
  firstBroken: BrokenLink | null;
}

export function createAuditStore(
  pool: pg.Pool,
  onAppended?: (event: AuditEvent) => void,
  observeAppend?: (durationMs: number, ok: boolean) => void,
) {
  return {
    /**
     * Appends one event to its tenant's chain. One writer per tenant at a time (advisory lock), and the unique
     * (tenant, tenant_seq) refuses a fork even if that lock were bypassed. Throws when the database does.
     */
    async append(event: NewAuditEvent): Promise<AuditEvent> {
      const started = performance.now();
      let appended: AuditEvent;
      const client = await pool.connect().catch((error: unknown) => {
        observeAppend?.(performance.now() - started, false);
        throw error;
      });
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL statement_timeout = ${APPEND_TIMEOUT_MS}`);
        appended = await this.appendIn(client, event);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        observeAppend?.(performance.now() - started, false);
        throw error;
      } finally {
        client.release();
      }
      observeAppend?.(performance.now() - started, true);
      onAppended?.(appended);
      return appended;
    },

    /**
     * Appends within the caller's open transaction (a job's final state and its outcome event commit together).
     * The caller must call `announce` with the result after COMMIT.
     */
    async appendIn(client: pg.PoolClient, event: NewAuditEvent): Promise<AuditEvent> {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7157))', [event.tenant]);
      const last = await client.query<{ tenant_seq: string; hash: Buffer }>(
        'SELECT tenant_seq, hash FROM audit_events WHERE tenant = $1 ORDER BY tenant_seq DESC LIMIT 1',
        [event.tenant],
      );
      const previous = last.rows[0];
      const target = json(event.target) as Record<string, unknown>;
      const row: Omit<AuditRow, 'seq' | 'hash'> = {
        id: randomUUID(),
        tenant: event.tenant,
        tenant_seq: previous ? Number(previous.tenant_seq) + 1 : 1,
        occurred_at: new Date(),
        operation_id: event.operationId,
        phase: event.phase,
        action: event.action,
        principal_sub: cleanText(event.actor.sub),
        actors: event.actor.actors.map(cleanText),
        roles: [...event.actor.roles],
        source: event.actor.source,
        client_address: text(event.actor.clientAddress, 200),
        user_agent: text(event.actor.userAgent, 500),
        request_id: text(event.actor.requestId, 200),
        swarm_id: event.target.swarmId ?? null,
        swarm_name: text(event.target.swarmName, 200),
        node_id: text(event.target.nodeId, 200),
        node_name: text(event.target.nodeName, 200),
        service_id: text(event.target.serviceId, 200),
        service_name: text(event.target.serviceName, 200),
        target,
        parameters: json(event.parameters) as Record<string, unknown>,
        reason: text(event.reason),
        forced: event.forced ?? false,
        error_code: event.errorCode ?? null,
        error_message: text(event.errorMessage),
        job_id: event.jobId ?? null,
        result: event.result === undefined ? null : json(event.result),
        prev_hash: previous ? previous.hash : GENESIS_HASH,
      };
      // jsonb keeps JSON's data model only; round-trip through JSON so the hash covers what is stored.
      for (const column of ['target', 'parameters', 'result'] as const) {
        (row as Record<string, unknown>)[column] = JSON.parse(JSON.stringify(row[column] ?? null)) as unknown;
      }
      const hash = chainHash(row.prev_hash, hashedContent(row));
      const values = COLUMNS.map((column) => {
        const value = row[column];
        return column === 'target' || column === 'parameters' || column === 'result'
          ? JSON.stringify(value)
          : value;
      });
      const inserted = await client.query<{ seq: string }>(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}, hash)
         VALUES (${COLUMNS.map((_, index) => `$${index + 1}`).join(', ')}, $${COLUMNS.length + 1})
         RETURNING seq`,
        [...values, hash],
      );
      return toEvent({ ...row, seq: inserted.rows[0]!.seq, hash });
    },

    /** Tells listeners (subscriptions) about an event appended with appendIn, once its transaction committed. */
    announce(event: AuditEvent): void {
      onAppended?.(event);
    },

    /** Newest first; `after` is the endCursor of the previous page. */
    async list(
      tenants: string[] | null,
      filter: AuditFilter,
      first = 50,
      after?: string | null,
    ): Promise<AuditPage> {
      if (!Number.isInteger(first) || first < 1 || first > 1000)
        throw badInput('first must be from 1 to 1000');
      const where = whereOf(tenants, filter);
      const params = [...where.params];
      let sql = where.sql;
      if (after) {
        const seq = Buffer.from(after, 'base64url').toString('utf8');
        if (!/^\d+$/.test(seq)) throw badInput('the cursor "after" is not one this API gave out');
        params.push(seq);
        sql += `${sql ? ' AND' : 'WHERE'} seq < $${params.length}::bigint`;
      }
      params.push(first + 1);
      const result = await pool.query<AuditRow>(
        `${SELECT} ${sql} ORDER BY seq DESC LIMIT $${params.length}`,
        params,
      );
      const rows = result.rows.slice(0, first);
      const last = rows[rows.length - 1];
      return {
        items: rows.map(toEvent),
        pageInfo: {
          endCursor: last ? Buffer.from(String(last.seq)).toString('base64url') : null,
          hasNextPage: result.rows.length > first,
        },
      };
    },

    /**
     * Streams matching events oldest first through a server-side cursor, a batch at a time, so an export of any
     * size holds one batch in memory. The caller must call `release` when the stream ends or fails.
     */
    async stream(
      tenants: string[] | null,
      filter: AuditFilter,
    ): Promise<{ rows: AsyncIterable<AuditEvent>; release: () => void }> {
      const where = whereOf(tenants, filter);
      const client = await pool.connect();
      const query = new QueryStream(`${SELECT} ${where.sql} ORDER BY seq`, where.params, { batchSize: 200 });
      const source = client.query(query) as unknown as Readable;
      let released = false;
      let broken: Error | undefined;
      // A connection lost mid-export must end this export, not the process (an unheard 'error' would).
      const onError = (error: Error) => {
        broken = error;
        source.destroy(error);
      };
      client.on('error', onError);
      const release = () => {
        if (released) return;
        released = true;
        client.off('error', onError);
        if (!broken) source.destroy();
        // A broken connection is discarded rather than returned to the pool.
        client.release(broken);
      };
      async function* rows(): AsyncIterable<AuditEvent> {
        try {
          for await (const row of source) yield toEvent(row as AuditRow);
        } finally {
          release();
        }
      }
      return { rows: rows(), release };
    },

    /** Walks each tenant's chain in order and names the first event whose link or content does not hold. */
    async verify(tenant?: string | null): Promise<ChainReport[]> {
      const tenants = tenant
        ? [tenant]
        : (
            await pool.query<{ tenant: string }>('SELECT DISTINCT tenant FROM audit_events ORDER BY tenant')
          ).rows.map((row) => row.tenant);
      const reports: ChainReport[] = [];
      for (const name of tenants) {
        const client = await pool.connect();
        try {
          const source = client.query(
            new QueryStream(`${SELECT} WHERE tenant = $1 ORDER BY tenant_seq`, [name], { batchSize: 500 }),
          ) as unknown as Readable;
          let expectedSeq = 1;
          let previousHash: Buffer = GENESIS_HASH;
          let events = 0;
          let firstBroken: BrokenLink | null = null;
          for await (const raw of source) {
            const row = raw as AuditRow;
            events += 1;
            if (firstBroken) continue;
            const broken = (problem: string): BrokenLink => ({
              tenant: name,
              seq: String(row.seq),
              id: row.id,
              tenantSeq: Number(row.tenant_seq),
              problem,
            });
            if (Number(row.tenant_seq) !== expectedSeq) {
              firstBroken = broken(
                `expected chain position ${expectedSeq}, found ${row.tenant_seq} (an event is missing)`,
              );
            } else if (!row.prev_hash.equals(previousHash)) {
              firstBroken = broken('its previous-hash does not match the event before it');
            } else if (!chainHash(row.prev_hash, hashedContent(row)).equals(row.hash)) {
              firstBroken = broken('its content does not match its hash (the row was altered)');
            }
            expectedSeq = Number(row.tenant_seq) + 1;
            previousHash = row.hash;
          }
          reports.push({ tenant: name, events, ok: firstBroken === null, firstBroken });
        } finally {
          client.release();
        }
      }
      return reports;
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
