// The NDJSON audit export at scale: 100,000 events stream through bounded memory, a stalled reader stalls the
// cursor, and readers that hang up return their database client every time.
//
// Memory is measured in a separate gateway process (the real src/server.ts): in this process the test's own
// reading and parsing of ~140 MB would blur the gateway's numbers. A preloaded sampler in that process records
// rss, heapUsed and external (Buffers: what a stream ignoring backpressure piles up, outside the JS heap)
// every 50 ms and reports over IPC. The abort cases run against an in-process app instead,
// since they look at its pool (app.pg) directly.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import { freePort } from '../../../helpers/net.ts';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildTestApp, TEST_JWT_SECRET, TEST_REDIS_URL, type TestApp } from '../../../helper.ts';
import { bearer, claimsFor, signToken } from '../../../helpers/tokens.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const EVENTS = 100_000;
const MB = 1024 * 1024;
/**
 * Collecting the rows takes ~200 MB of heap (the export is ~140 MB of text); ignoring backpressure piles ~100 MB
 * of Buffers into the socket's queue while the reader stalls. Streaming with backpressure takes a few MB.
 */
const MEMORY_GROWTH_BOUND = 64 * MB;
const STALL_MS = 1500;

const reader = {
  ...bearer(
    signToken(
      claimsFor({
        sub: 'auditor',
        tenant: 'bulk',
        roles: ['viewer'],
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    ),
  ),
  accept: 'application/x-ndjson',
};

/** Reports the process's peak memory since the last 'baseline' message (taken after a full GC). */
const SAMPLER = `
const peak = { rss: 0, heapUsed: 0, external: 0, heapAndExternal: 0 };
let base = null;
const sample = () => {
  const memory = process.memoryUsage();
  peak.rss = Math.max(peak.rss, memory.rss);
  peak.heapUsed = Math.max(peak.heapUsed, memory.heapUsed);
  peak.external = Math.max(peak.external, memory.external);
  peak.heapAndExternal = Math.max(peak.heapAndExternal, memory.heapUsed + memory.external);
};
setInterval(sample, 50).unref();
process.on('message', (message) => {
  if (message === 'baseline') {
    globalThis.gc?.();
    const memory = process.memoryUsage();
    base = {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      heapAndExternal: memory.heapUsed + memory.external,
    };
    Object.assign(peak, base);
    process.send({ type: 'baseline', base });
  } else if (message === 'report') {
    sample();
    process.send({ type: 'report', base, peak: { ...peak } });
  }
});
`;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  heapAndExternal: number;
}

interface ExportRead {
  lines: number;
  /** The chain position of the last line read. */
  lastTenantSeq: number;
  bytes: number;
  ms: number;
  status: number;
  contentType: string | null;
}

/**
 * Opens an export on a connection of its own (node:http without keep-alive: hanging up closes exactly that
 * socket; fetch's pool was seen opening a spare connection after an abort, which the server then holds open).
 */
function openExport(
  url: string,
  headers: Record<string, string> = reader,
): Promise<{ request: ClientRequest; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false }, (response) => resolve({ request, response }));
    request.once('error', reject);
  });
}

/** Sends the request and hangs up before any answer comes. */
async function leaveRightAway(url: string): Promise<void> {
  const request = http.get(url, { headers: reader, agent: false });
  request.on('error', () => undefined);
  await new Promise<void>((resolve) => request.once('finish', () => resolve()));
  request.destroy();
}

/** The promise, or a rejection naming the deadline it missed (a client out of step hangs rather than fails). */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A whole answer, read to its end, on a connection of its own. */
async function getWhole(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { response } = await openExport(url, headers);
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response as AsyncIterable<string>) body += chunk;
  return { status: response.statusCode ?? 0, headers: response.headers, body };
}

/**
 * Reads an NDJSON export as a client would, a chunk at a time, checking that each line parses and that the
 * chain positions only increase. `stallAfter` lines in, it stops reading for `stallMs`; `abortAfter` lines in
 * (0: as soon as the headers are in), it hangs up.
 */
async function readExport(
  url: string,
  options: { stallAfter?: number; stallMs?: number; abortAfter?: number } = {},
): Promise<ExportRead> {
  const started = performance.now();
  const { request, response } = await openExport(url);
  const read: ExportRead = {
    lines: 0,
    lastTenantSeq: 0,
    bytes: 0,
    ms: 0,
    status: response.statusCode ?? 0,
    contentType: response.headers['content-type'] ?? null,
  };
  if (options.abortAfter === 0) {
    request.destroy();
    return read;
  }
  response.setEncoding('utf8');
  let rest = '';
  let stalled = false;
  for await (const chunk of response as AsyncIterable<string>) {
    read.bytes += Buffer.byteLength(chunk);
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      const event = JSON.parse(line) as { tenantSeq: number };
      assert.ok(event.tenantSeq > read.lastTenantSeq, 'events come oldest first, each once');
      read.lastTenantSeq = event.tenantSeq;
      read.lines += 1;
    }
    if (options.abortAfter !== undefined && read.lines >= options.abortAfter) {
      request.destroy();
      return read;
    }
    if (!stalled && options.stallAfter !== undefined && read.lines >= options.stallAfter) {
      // Not pulling from the response: TCP fills up and the gateway must stop reading its cursor.
      stalled = true;
      await sleep(options.stallMs ?? STALL_MS);
    }
  }
  assert.ok(response.complete, 'the export ended with its final chunk, not a broken connection');
  assert.equal(rest, '', 'the export ends with a complete line');
  read.ms = performance.now() - started;
  return read;
}

/** 100,000 events of tenant bulk, ~1.4 KB each as NDJSON, written in one statement as the database owner. */
async function seed(databaseUrl: string): Promise<void> {
  const owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();
  try {
    await owner.query(
      `INSERT INTO audit_events (tenant, tenant_seq, occurred_at, operation_id, phase, action, principal_sub, actors,
         roles, source, client_address, user_agent, request_id, swarm_id, swarm_name, node_id, node_name, target,
         parameters, reason, prev_hash, hash)
       SELECT 'bulk', g, timestamptz '2026-01-01T00:00:00Z' + g * interval '1 millisecond', gen_random_uuid(),
         (ARRAY['requested', 'succeeded'])[1 + g % 2], 'node.drain', 'alice', ARRAY['chatops-bot'], ARRAY['operator'],
         'rest', '10.0.0.' || (g % 250), 'bulk-loader/1.0', 'req-' || g, gen_random_uuid(), 'alpha', 'node' || g,
         'alpha-w' || (g % 5), jsonb_build_object('swarmName', 'alpha'),
         jsonb_build_object('availability', 'drain', 'note', repeat(md5(g::text), 20)), 'bulk export test',
         CASE WHEN g = 1 THEN decode(repeat('00', 32), 'hex') ELSE sha256((g - 1)::text::bytea) END,
         sha256(g::text::bytea)
       FROM generate_series(1, $1::int) AS g`,
      [EVENTS],
    );
    await owner.query('ANALYZE audit_events');
  } finally {
    await owner.end();
  }
}

/** The next IPC message of this type from the gateway process. */
function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if ((message as { type?: string }).type !== type) return;
      child.off('message', listener);
      resolve(message as T);
    };
    child.on('message', listener);
  });
}

let subject: TestApp;
/** The in-process app's own address, for the cases that look at its pool. */
let inProcess: string;
before(async () => {
  subject = await buildTestApp();
  const started = performance.now();
  await seed(subject.db.url);
  console.log(`seeded ${EVENTS} audit events in ${Math.round(performance.now() - started)} ms`);
  inProcess = await subject.app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => subject?.close());

/** Waits until no PostgreSQL client is checked out of the in-process app's pool; answers how many still are. */
async function checkedOutClients(): Promise<number> {
  const pool = subject.app.pg;
  const deadline = Date.now() + 3000;
  while (pool.totalCount - pool.idleCount > 0 && Date.now() < deadline) await sleep(10);
  return pool.totalCount - pool.idleCount;
}

/** Waits until the in-process app holds no open connection; answers how many it still holds. */
async function openConnections(): Promise<number> {
  const count = () =>
    new Promise<number>((resolve, reject) =>
      subject.app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
  const deadline = Date.now() + 3000;
  while ((await count()) > 0 && Date.now() < deadline) await sleep(10);
  return count();
}

describe('the NDJSON audit export at 100,000 events', () => {
  test('streams every event, oldest first, in bounded gateway memory, even while the reader stalls', async (t) => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        '--import',
        `data:text/javascript,${encodeURIComponent(SAMPLER)}`,
        'src/server.ts',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          DATABASE_URL: subject.db.url,
          REDIS_URL: TEST_REDIS_URL,
          SWARMGATE_JWT_SECRET: TEST_JWT_SECRET,
          SWARMGATE_SECRET_KEY: '00'.repeat(32),
          SWARMGATE_MIGRATE_ON_START: 'false',
        },
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    });

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited early:\n${output}`);
      const ready = await fetch(`${base}/readyz`).catch(() => null);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the gateway did not get ready:\n${output}`);
      await sleep(200);
    }

    // A small export first, so the baseline includes compiled code and serialisers, not the export's cost.
    const warm = await readExport(`${base}/v1/audit?node=node1`);
    assert.equal(warm.lines, 1, output);

    child.send('baseline');
    const { base: baseline } = await nextMessage<{ base: Memory }>(child, 'baseline');
    const read = await readExport(`${base}/v1/audit`, { stallAfter: 1000 });
    child.send('report');
    const { peak } = await nextMessage<{ peak: Memory }>(child, 'report');

    assert.equal(read.status, 200, output);
    assert.match(String(read.contentType), /^application\/x-ndjson/);
    assert.equal(read.lines, EVENTS);
    assert.equal(read.lastTenantSeq, EVENTS);
    // The bound only means something if holding the export would break it.
    assert.ok(read.bytes > 2 * MEMORY_GROWTH_BOUND, `the export is only ${read.bytes} bytes`);
    const growth = (key: keyof Memory) => peak[key] - baseline[key];
    const measured = (key: keyof Memory) =>
      `${key} ${(baseline[key] / MB).toFixed(1)} → peak ${(peak[key] / MB).toFixed(1)} MB (+${(growth(key) / MB).toFixed(1)})`;
    const reading = read.ms - STALL_MS;
    const summary =
      `${read.lines} events, ${(read.bytes / MB).toFixed(1)} MB in ${(read.ms / 1000).toFixed(2)} s ` +
      `(${(reading / 1000).toFixed(2)} s reading at ${Math.round(read.bytes / MB / (reading / 1000))} MB/s + a ` +
      `${STALL_MS} ms stall); gateway ${measured('heapUsed')}, ${measured('external')}, ` +
      `${measured('heapAndExternal')}, ${measured('rss')}`;
    t.diagnostic(summary);
    assert.ok(
      growth('heapAndExternal') < MEMORY_GROWTH_BOUND,
      `the gateway's heap and Buffers grew by ${growth('heapAndExternal')} bytes: ${summary}`,
    );
    assert.ok(
      growth('rss') < MEMORY_GROWTH_BOUND,
      `the gateway's rss grew by ${growth('rss')} bytes: ${summary}`,
    );
  });

  test('20 readers that hang up (before the answer, at once, mid-stream, while stalled) each return a clean client to the pool of 10', async () => {
    const pool = subject.app.pg;
    for (let round = 0; round < 20; round += 1) {
      const mode = round % 4;
      if (mode === 0) {
        // Gone as soon as the request is out, while the cursor is opening; a result that fits in one fetch.
        await leaveRightAway(`${inProcess}/v1/audit?node=node${round + 1}`);
      } else {
        const read = await readExport(
          `${inProcess}/v1/audit`,
          mode === 1
            ? { abortAfter: 0 }
            : mode === 2
              ? { abortAfter: 500 }
              : { stallAfter: 500, stallMs: 300, abortAfter: 2000 },
        );
        assert.equal(read.status, 200, `round ${round}`);
      }
      assert.equal(
        await checkedOutClients(),
        0,
        `round ${round}: a client is still checked out after the reader left`,
      );
      // The pool hands out the client released last: it must answer its next user in step.
      const next = await withDeadline(readExport(`${inProcess}/v1/audit?node=node${round + 101}`), 5000);
      assert.deepEqual([next.status, next.lines], [200, 1], `round ${round}: the next export on that client`);
    }
    assert.equal(pool.waitingCount, 0);
    assert.equal(await openConnections(), 0, 'the gateway still holds a connection of a reader that left');
    const answer = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(answer.rows[0]?.one, 1);
  });

  test('a fourth concurrent export is RATE_LIMITED while three readers hold theirs, and runs once one leaves', async () => {
    const url = `${inProcess}/v1/audit`;
    // Three readers that take their headers and then read nothing.
    const holders = await Promise.all([0, 1, 2].map(() => openExport(url)));
    assert.deepEqual(
      holders.map(({ response }) => response.statusCode),
      [200, 200, 200],
    );
    const refused = await getWhole(url, reader);
    assert.equal(refused.status, 429);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'RATE_LIMITED');
    // JSON pages are not exports: they still answer.
    const page = await getWhole(url, { ...reader, accept: 'application/json' });
    assert.equal(page.status, 200);
    assert.equal((JSON.parse(page.body) as { items: unknown[] }).items.length, 50);

    holders[0]!.request.destroy();
    const deadline = Date.now() + 3000;
    let read = await readExport(`${url}?node=node3`);
    while (read.status === 429 && Date.now() < deadline) {
      await sleep(20);
      read = await readExport(`${url}?node=node3`);
    }
    assert.equal(read.status, 200);
    assert.equal(read.lines, 1);
    for (const { request } of holders) request.destroy();
    assert.equal(await checkedOutClients(), 0);
    assert.equal(await openConnections(), 0);
  });
});
