// The audit log is append-only in the database and tamper-evident through its hash chain: the app role cannot
// change it, triggers refuse even the owner, and `npm run audit -- verify`, GraphQL and the store name a forged row.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { ChainReport } from '../../../src/audit/store.ts';
import type { AuditEvent, NewAuditEvent } from '../../../src/audit/types.ts';
import { APP_ROLE } from '../../../src/plugins/external/postgres.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI_TIMEOUT_MS = 60_000;

let subject: TestApp;
// Unique per run: Redis (where appended events are published) is shared with other test files.
const suffix = randomBytes(3).toString('hex');
const red = `red-${suffix}`;
const blue = `blue-${suffix}`;
const redEvents: AuditEvent[] = [];
const blueEvents: AuditEvent[] = [];

function auditEvent(tenant: string, reason: string): NewAuditEvent {
  return {
    tenant,
    operationId: randomUUID(),
    phase: 'requested',
    action: 'node.drain',
    actor: { sub: 'alice', actors: ['chatops-bot'], roles: ['operator'], source: 'graphql' },
    target: { nodeName: 'cloud02' },
    parameters: { availability: 'drain' },
    reason,
  };
}

async function appendMany(tenant: string, count: number): Promise<AuditEvent[]> {
  const appended: AuditEvent[] = [];
  for (let index = 1; index <= count; index += 1) {
    appended.push(await subject.app.audit.append(auditEvent(tenant, `maintenance window ${index}`)));
  }
  return appended;
}

/** Runs `work` on one connection to the test database, closed afterwards. */
async function withClient<T>(
  options: { asAppRole?: boolean },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: subject.db.url,
    ...(options.asAppRole ? { options: `-c role=${APP_ROLE}` } : {}),
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Changes the log behind the triggers' back, as a superuser with direct database access could. */
function tamper(sql: string, params: unknown[]): Promise<void> {
  return withClient({}, async (client) => {
    // Replica mode skips ordinary triggers; only a superuser may set it.
    await client.query('SET session_replication_role = replica');
    const result = await client.query(sql, params);
    assert.equal(result.rowCount, 1, `tampering touched one row: ${sql}`);
  });
}

/** The PostgreSQL error a statement fails with, failing the test if it succeeds. */
async function refusal(client: pg.Client, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  try {
    await client.query(sql, params);
  } catch (error) {
    assert.ok(error instanceof pg.DatabaseError, `expected a database error from: ${sql}`);
    return error;
  }
  assert.fail(`the database accepted: ${sql}`);
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run audit -- ...args` against the test database, as an operator would run it. */
function runAuditCli(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: subject.db.url };
  // The child is not a node:test child and must not report to this runner.
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'audit', '--', ...args],
      { cwd: ROOT, env, timeout: CLI_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI's line for a tenant. */
function lineOf(output: string, tenant: string): string {
  const line = output.split('\n').find((candidate) => candidate.startsWith(`${tenant}: `));
  assert.ok(line, `no line for ${tenant} in:\n${output}`);
  return line;
}

const reportOf = (reports: ChainReport[], tenant: string) => {
  const report = reports.find((candidate) => candidate.tenant === tenant);
  assert.ok(report, `no report for ${tenant}`);
  return report;
};

before(async () => {
  subject = await buildTestApp();
  redEvents.push(...(await appendMany(red, 4)));
  blueEvents.push(...(await appendMany(blue, 3)));
});

after(async () => {
  await subject?.close();
});

test('the application role may append and read audit events but not change, delete or truncate them', async () => {
  await withClient({ asAppRole: true }, async (client) => {
    const whoami = await client.query<{ current_user: string }>('SELECT current_user');
    assert.equal(whoami.rows[0]?.current_user, APP_ROLE);

    const read = await client.query<{ count: string }>(
      'SELECT count(*) FROM audit_events WHERE tenant = ANY($1::text[])',
      [[red, blue]],
    );
    assert.equal(Number(read.rows[0]?.count), 7);

    // A raw insert is allowed (the store appends this way); rolled back so the chains stay as the store wrote them.
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO audit_events (tenant, tenant_seq, occurred_at, operation_id, phase, action, principal_sub,
                                 source, prev_hash, hash)
       VALUES ($1, 1, now(), $2, 'requested', 'probe', 'probe', 'cli', $3, $4) RETURNING seq`,
      [`probe-${suffix}`, randomUUID(), Buffer.alloc(32), randomBytes(32)],
    );
    assert.equal(inserted.rowCount, 1);
    await client.query('ROLLBACK');

    const target = redEvents[1]!.id;
    for (const [sql, params] of [
      ["UPDATE audit_events SET reason = 'rewritten' WHERE id = $1", [target]],
      ['DELETE FROM audit_events WHERE id = $1', [target]],
      ['TRUNCATE audit_events', []],
      ['DROP TRIGGER audit_events_no_update_delete ON audit_events', []],
      ['ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete', []],
      ['ALTER TABLE audit_events DISABLE TRIGGER ALL', []],
      ['SET session_replication_role = replica', []],
    ] as const) {
      const error = await refusal(client, sql, [...params]);
      // 42501 insufficient_privilege: missing grant, not the owner, or a superuser-only setting.
      assert.equal(error.code, '42501', `${sql}: ${error.message}`);
    }
  });
  const reports = await subject.app.audit.verify(red);
  assert.deepEqual(
    reports.map((report) => [report.events, report.ok]),
    [[4, true]],
  );
});

test('the triggers refuse UPDATE, DELETE and TRUNCATE even to the table owner (a superuser)', async () => {
  await withClient({}, async (client) => {
    const role = await client.query<{ rolsuper: boolean }>(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    assert.equal(role.rows[0]?.rolsuper, true, 'this test connects as a superuser');
    const target = redEvents[1]!.id;
    for (const [operation, sql, params] of [
      ['UPDATE', "UPDATE audit_events SET reason = 'rewritten' WHERE id = $1", [target]],
      ['DELETE', 'DELETE FROM audit_events WHERE id = $1', [target]],
      ['TRUNCATE', 'TRUNCATE audit_events', []],
    ] as const) {
      const error = await refusal(client, sql, [...params]);
      assert.equal(error.code, '42501', error.message);
      assert.match(error.message, new RegExp(`append-only: ${operation} is not allowed`));
    }
  });
  const reports = await subject.app.audit.verify(red);
  assert.equal(reports[0]?.events, 4);
  assert.equal(reports[0]?.ok, true);
});

test('verify passes on the untouched log, then names a row altered behind the triggers in the CLI, GraphQL and the store', async () => {
  const clean = await runAuditCli('verify');
  assert.equal(clean.code, 0, `stdout:\n${clean.stdout}\nstderr:\n${clean.stderr}`);
  assert.equal(lineOf(clean.stdout, red), `${red}: 4 events, OK`);
  assert.equal(lineOf(clean.stdout, blue), `${blue}: 3 events, OK`);

  const forged = redEvents[1]!;
  await tamper('UPDATE audit_events SET reason = $2 WHERE id = $1', [forged.id, 'nothing happened here']);

  const broken = await runAuditCli('verify');
  assert.equal(broken.code, 1, `stdout:\n${broken.stdout}\nstderr:\n${broken.stderr}`);
  const redLine = lineOf(broken.stdout, red);
  assert.match(redLine, /BROKEN/);
  assert.ok(redLine.includes(forged.id), redLine);
  assert.ok(redLine.includes(`seq ${forged.seq}`), redLine);
  assert.ok(redLine.includes('chain position 2'), redLine);
  assert.match(redLine, /altered/);
  assert.equal(lineOf(broken.stdout, blue), `${blue}: 3 events, OK`);

  // Only the other tenant's chain: it holds, so the exit status is 0.
  const onlyBlue = await runAuditCli('verify', '--tenant', blue);
  assert.equal(onlyBlue.code, 0, onlyBlue.stdout + onlyBlue.stderr);
  assert.equal(onlyBlue.stdout.trim(), `${blue}: 3 events, OK`);

  const admin = signToken(claimsFor({ sub: 'root', tenant: 'platform', roles: ['platform-admin'] }));
  const response = await subject.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(admin),
    payload: {
      query: `{ auditIntegrity { ok tenants { tenant events ok firstBroken { id seq tenantSeq problem } } } }`,
    },
  });
  assert.equal(response.statusCode, 200, response.body);
  const integrity = response.json<{
    data: { auditIntegrity: { ok: boolean; tenants: ChainReport[] } };
  }>().data.auditIntegrity;
  assert.equal(integrity.ok, false);
  const redReport = reportOf(integrity.tenants, red);
  assert.equal(redReport.ok, false);
  assert.equal(redReport.events, 4);
  assert.deepEqual(
    { ...redReport.firstBroken, problem: undefined },
    { id: forged.id, seq: forged.seq, tenantSeq: 2, problem: undefined },
  );
  assert.equal(reportOf(integrity.tenants, blue).ok, true);

  const reports = await subject.app.audit.verify();
  const store = reportOf(reports, red);
  assert.equal(store.ok, false);
  assert.equal(store.firstBroken?.id, forged.id);
  assert.equal(store.firstBroken?.tenant, red);
  assert.equal(store.firstBroken?.tenantSeq, 2);
  assert.match(store.firstBroken?.problem ?? '', /content does not match its hash/);
  assert.deepEqual(reportOf(reports, blue), { tenant: blue, events: 3, ok: true, firstBroken: null });
});

test('a deleted event is detected as a missing chain position', async () => {
  const green = `green-${suffix}`;
  const events = await appendMany(green, 4);
  assert.equal((await subject.app.audit.verify(green))[0]?.ok, true);

  await tamper('DELETE FROM audit_events WHERE id = $1', [events[1]!.id]);

  const [report] = await subject.app.audit.verify(green);
  assert.equal(report?.ok, false);
  assert.equal(report?.events, 3);
  // The event after the gap is the first that does not hold.
  assert.equal(report?.firstBroken?.id, events[2]!.id);
  assert.equal(report?.firstBroken?.tenantSeq, 3);
  assert.match(
    report?.firstBroken?.problem ?? '',
    /expected chain position 2, found 3 \(an event is missing\)/,
  );

  const cli = await runAuditCli('verify', '--tenant', green);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.match(lineOf(cli.stdout, green), /chain position 3\): expected chain position 2, found 3/);
});

test('50 concurrent appends for one tenant all succeed and form one chain of 50 consecutive positions', async () => {
  const busy = `busy-${suffix}`;
  const appended = await Promise.all(
    Array.from({ length: 50 }, (_, index) => subject.app.audit.append(auditEvent(busy, `burst ${index}`))),
  );
  assert.deepEqual(
    appended.map((event) => event.tenantSeq).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, index) => index + 1),
  );
  const stored = await withClient({}, (client) =>
    client.query<{ tenant_seq: string; prev_hash: Buffer; hash: Buffer }>(
      'SELECT tenant_seq, prev_hash, hash FROM audit_events WHERE tenant = $1 ORDER BY tenant_seq',
      [busy],
    ),
  );
  assert.equal(stored.rowCount, 50);
  // No fork: each event links to the one just before it.
  stored.rows.forEach((row, index) => {
    assert.equal(Number(row.tenant_seq), index + 1);
    if (index > 0) assert.ok(row.prev_hash.equals(stored.rows[index - 1]!.hash), `link at ${index + 1}`);
  });
  assert.deepEqual(await subject.app.audit.verify(busy), [
    { tenant: busy, events: 50, ok: true, firstBroken: null },
  ]);
});
