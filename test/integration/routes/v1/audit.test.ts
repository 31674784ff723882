// GET /v1/audit and /v1/audit/integrity: tenant isolation, every filter, pages, the NDJSON export and chain checks.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { AuditEvent, NewAuditEvent } from '../../../../src/audit/types.ts';
import type { AuditEventView } from '../../../../src/queries/views.ts';
import { buildTestApp, type TestApp } from '../../../helper.ts';
import {
  assertProblem,
  assertUnauthenticated,
  bearer,
  claimsFor,
  signToken,
} from '../../../helpers/tokens.ts';

interface Page {
  items: AuditEventView[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

const ALPHA = randomUUID();
const BETA = randomUUID();
const OPS = { drain: randomUUID(), promote: randomUUID(), scale: randomUUID() };

let subject: TestApp;
/** What was appended, in order: red's six events, then blue's four. */
const red: AuditEvent[] = [];
const blue: AuditEvent[] = [];

const as = (roles: string[], tenant: string) =>
  bearer(signToken(claimsFor({ sub: 'reader', roles, tenant })));
const redViewer = as(['viewer'], 'red');
const blueViewer = as(['viewer'], 'blue');
const platform = as(['platform-admin'], 'platform');
const NDJSON = { accept: 'application/x-ndjson' };

const viaBot = {
  sub: 'alice',
  actors: ['chatops-bot'],
  roles: ['operator'],
  source: 'rest',
  clientAddress: '10.1.2.3',
  userAgent: 'chatops/1.0',
  requestId: 'req-1',
} as const;
const bob = { sub: 'bob', actors: [], roles: ['admin'], source: 'graphql' } as const;
const carol = { sub: 'carol', actors: [], roles: ['admin'], source: 'rest' } as const;

const redEvents: NewAuditEvent[] = [
  {
    tenant: 'red',
    operationId: OPS.drain,
    phase: 'requested',
    action: 'node.drain',
    actor: viaBot,
    target: { swarmId: ALPHA, swarmName: 'alpha', nodeId: 'n1abc', nodeName: 'alpha-w1' },
    parameters: { availability: 'drain', nested: { wait: true } },
    reason: 'kernel update',
  },
  {
    tenant: 'red',
    operationId: OPS.drain,
    phase: 'succeeded',
    action: 'node.drain',
    actor: viaBot,
    target: { swarmId: ALPHA, swarmName: 'alpha', nodeId: 'n1abc', nodeName: 'alpha-w1' },
    parameters: { availability: 'drain', nested: { wait: true } },
    reason: 'kernel update',
    jobId: 'job-1',
    result: { tasksMoved: 3, nodes: ['alpha-w2'] },
  },
  {
    tenant: 'red',
    operationId: OPS.promote,
    phase: 'requested',
    action: 'node.promote',
    actor: bob,
    target: { swarmId: ALPHA, swarmName: 'alpha', nodeId: 'n2def', nodeName: 'alpha-w2' },
    parameters: {},
  },
  {
    tenant: 'red',
    operationId: OPS.promote,
    phase: 'refused',
    action: 'node.promote',
    actor: bob,
    target: { swarmId: ALPHA, swarmName: 'alpha', nodeId: 'n2def', nodeName: 'alpha-w2' },
    parameters: {},
    errorCode: 'QUORUM_AT_RISK',
    errorMessage: '4 managers would be an even number',
  },
  {
    tenant: 'red',
    operationId: OPS.scale,
    phase: 'requested',
    action: 'service.scale',
    actor: viaBot,
    target: { swarmId: ALPHA, swarmName: 'alpha', serviceId: 'svc1', serviceName: 'web' },
    parameters: { replicas: 5 },
  },
  {
    tenant: 'red',
    operationId: OPS.scale,
    phase: 'failed',
    action: 'service.scale',
    actor: viaBot,
    target: { swarmId: ALPHA, swarmName: 'alpha', serviceId: 'svc1', serviceName: 'web' },
    parameters: { replicas: 5 },
    errorCode: 'SWARM_UNREACHABLE',
    errorMessage: 'no manager of swarm "alpha" answers',
  },
];

function blueEvents(): NewAuditEvent[] {
  const drain = randomUUID();
  const rotate = randomUUID();
  const target = { swarmId: BETA, swarmName: 'beta', nodeId: 'n9xyz', nodeName: 'beta-w1' };
  return [
    {
      tenant: 'blue',
      operationId: drain,
      phase: 'requested',
      action: 'node.drain',
      actor: carol,
      target,
      parameters: {},
    },
    {
      tenant: 'blue',
      operationId: drain,
      phase: 'succeeded',
      action: 'node.drain',
      actor: carol,
      target,
      parameters: {},
    },
    {
      tenant: 'blue',
      operationId: rotate,
      phase: 'requested',
      action: 'swarm.joinToken.rotate',
      actor: carol,
      target: { swarmId: BETA, swarmName: 'beta' },
      parameters: { role: 'worker' },
    },
    {
      tenant: 'blue',
      operationId: rotate,
      phase: 'succeeded',
      action: 'swarm.joinToken.rotate',
      actor: carol,
      target: { swarmId: BETA, swarmName: 'beta' },
      parameters: { role: 'worker' },
    },
  ];
}

before(async () => {
  subject = await buildTestApp();
  // Interleaved, a few milliseconds apart, so that time bounds fall between events.
  const blueQueue = blueEvents();
  for (const [index, event] of redEvents.entries()) {
    red.push(await subject.app.audit.append(event));
    await sleep(5);
    const next = index % 2 === 1 ? blueQueue.shift() : undefined;
    if (next) {
      blue.push(await subject.app.audit.append(next));
      await sleep(5);
    }
  }
  for (const event of blueQueue) blue.push(await subject.app.audit.append(event));
});
after(() => subject.close());

const get = (url: string, headers: Record<string, string> = redViewer) =>
  subject.app.inject({ method: 'GET', url, headers });

async function page(url: string, headers: Record<string, string> = redViewer): Promise<Page> {
  const response = await get(url, headers);
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return response.json<Page>();
}

/** The seqs of a page's events, for comparing with what was appended. */
const seqs = (items: { seq: string }[]) => items.map((item) => item.seq);
const newestFirst = (events: AuditEvent[]) => seqs(events).reverse();

function lines(body: string): AuditEventView[] {
  assert.ok(body === '' || body.endsWith('\n'), 'every NDJSON line ends with a newline');
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEventView);
}

/** The promise, or a rejection naming the deadline it missed (a connection out of step hangs rather than fails). */
async function withDeadline<T>(promise: Promise<T>, ms = 5000): Promise<T> {
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

describe('GET /v1/audit as JSON', () => {
  test('answers 401 without a token, before looking at the filters', async () => {
    assertUnauthenticated(await subject.app.inject({ method: 'GET', url: '/v1/audit?first=0' }));
    assertUnauthenticated(await subject.app.inject({ method: 'GET', url: '/v1/audit', headers: NDJSON }));
  });

  test('a viewer of red sees only red events, newest first, with GraphQL’s field names', async () => {
    const answer = await page('/v1/audit');
    assert.deepEqual(seqs(answer.items), newestFirst(red));
    assert.ok(answer.items.every((item) => item.tenant === 'red'));
    assert.deepEqual(answer.pageInfo.hasNextPage, false);
    const drained = answer.items.find((item) => item.seq === red[1]!.seq);
    assert.deepEqual(drained, {
      id: red[1]!.id,
      seq: red[1]!.seq,
      tenant: 'red',
      tenantSeq: 2,
      occurredAt: red[1]!.occurredAt,
      operationId: OPS.drain,
      outcome: 'SUCCEEDED',
      action: 'node.drain',
      actor: {
        sub: 'alice',
        actors: ['chatops-bot'],
        roles: ['operator'],
        source: 'rest',
        clientAddress: '10.1.2.3',
        userAgent: 'chatops/1.0',
        requestId: 'req-1',
      },
      target: {
        swarmId: ALPHA,
        swarmName: 'alpha',
        nodeId: 'n1abc',
        nodeName: 'alpha-w1',
        serviceId: null,
        serviceName: null,
      },
      parameters: { availability: 'drain', nested: { wait: true } },
      reason: 'kernel update',
      forced: false,
      errorCode: null,
      errorMessage: null,
      jobId: 'job-1',
      result: { tasksMoved: 3, nodes: ['alpha-w2'] },
      prevHash: red[0]!.hash,
      hash: red[1]!.hash,
    });
    const requested = answer.items.find((item) => item.seq === red[0]!.seq);
    assert.equal(requested?.result, null);
    assert.equal(requested?.prevHash, '00'.repeat(32));
  });

  test('a viewer of blue sees only blue events; asking for another tenant is FORBIDDEN', async () => {
    assert.deepEqual(seqs((await page('/v1/audit', blueViewer)).items), newestFirst(blue));
    assert.deepEqual(seqs((await page('/v1/audit?tenant=red')).items), newestFirst(red));
    assertProblem(await get('/v1/audit?tenant=blue'), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /platform-admin/,
    });
  });

  test('a platform-admin sees every tenant, or the one it names', async () => {
    const all = await page('/v1/audit', platform);
    assert.deepEqual(
      seqs(all.items),
      seqs([...red, ...blue].sort((a, b) => Number(a.seq) - Number(b.seq))).reverse(),
    );
    assert.deepEqual(seqs((await page('/v1/audit?tenant=blue', platform)).items), newestFirst(blue));
    assert.deepEqual((await page('/v1/audit?tenant=nobody', platform)).items, []);
  });

  test('each filter narrows the events, alone and together', async () => {
    const cases: [string, AuditEvent[]][] = [
      ['actor=alice', [red[0]!, red[1]!, red[4]!, red[5]!]],
      ['actor=chatops-bot', [red[0]!, red[1]!, red[4]!, red[5]!]],
      ['actor=bob', [red[2]!, red[3]!]],
      ['action=node.drain', [red[0]!, red[1]!]],
      ['action=node.', [red[0]!, red[1]!, red[2]!, red[3]!]],
      ['action=node.*', [red[0]!, red[1]!, red[2]!, red[3]!]],
      ['action=node', []],
      ['swarm=alpha', red],
      [`swarm=${ALPHA}`, red],
      ['swarm=beta', []],
      ['node=alpha-w1', [red[0]!, red[1]!]],
      ['node=n2def', [red[2]!, red[3]!]],
      ['service=web', [red[4]!, red[5]!]],
      ['service=svc1', [red[4]!, red[5]!]],
      ['outcome=REFUSED', [red[3]!]],
      ['outcome=failed', [red[5]!]],
      ['outcome=Requested', [red[0]!, red[2]!, red[4]!]],
      [`operationId=${OPS.promote}`, [red[2]!, red[3]!]],
      [`from=${red[2]!.occurredAt}`, red.slice(2)],
      [`to=${red[2]!.occurredAt}`, red.slice(0, 2)],
      [`from=${red[1]!.occurredAt}&to=${red[4]!.occurredAt}`, red.slice(1, 4)],
      ['actor=alice&outcome=REQUESTED&service=web', [red[4]!]],
    ];
    for (const [query, expected] of cases) {
      const answer = await page(`/v1/audit?${query}`);
      assert.deepEqual(seqs(answer.items), newestFirst(expected), query);
    }
    // A filter never reaches past the tenant: blue's drain is not red's.
    assert.deepEqual(seqs((await page('/v1/audit?action=node.drain', platform)).items), [
      blue[1]!.seq,
      blue[0]!.seq,
      red[1]!.seq,
      red[0]!.seq,
    ]);
  });

  test('pages follow endCursor until hasNextPage is false, without gaps or repeats', async () => {
    const first = await page('/v1/audit?first=4');
    assert.deepEqual(seqs(first.items), newestFirst(red).slice(0, 4));
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.ok(first.pageInfo.endCursor);
    const second = await page(`/v1/audit?first=4&after=${first.pageInfo.endCursor}`);
    assert.deepEqual(seqs(second.items), newestFirst(red).slice(4));
    assert.equal(second.pageInfo.hasNextPage, false);
    const exact = await page('/v1/audit?first=6');
    assert.equal(exact.pageInfo.hasNextPage, false);
    assert.equal(exact.pageInfo.endCursor, Buffer.from(red[0]!.seq).toString('base64url'));
    const empty = await page('/v1/audit?actor=nobody');
    assert.deepEqual(empty, { items: [], pageInfo: { endCursor: null, hasNextPage: false } });
    // The default page is 50.
    assert.equal((await page('/v1/audit', platform)).items.length, red.length + blue.length);
  });

  test('malformed filters are 400 BAD_INPUT problems that name the field', async () => {
    const cases: [string, RegExp][] = [
      ['first=0', /querystring\.first must be >= 1/],
      ['first=1001', /querystring\.first must be <= 1000/],
      ['first=many', /querystring\.first must be an integer/],
      ['outcome=maybe', /outcome must be one of REQUESTED, SUCCEEDED, FAILED, REFUSED/],
      ['operationId=not-a-uuid', /querystring\.operationId must match format "uuid"/],
      ['from=yesterday', /querystring\.from must match format "date-time"/],
      ['to=2024-13-45T00:00:00Z', /querystring\.to must match format "date-time"/],
      ['actor=', /querystring\.actor must NOT have fewer than 1 characters/],
      ['colour=red', /querystring has an unknown property "colour"/],
      ['after=bm90LWEtbnVtYmVy', /the cursor "after" is not one this API gave out/],
    ];
    for (const [query, detail] of cases) {
      assertProblem(await get(`/v1/audit?${query}`), { status: 400, code: 'BAD_INPUT', detail });
    }
  });
});

describe('GET /v1/audit as NDJSON', () => {
  test('streams every matching event oldest first, one JSON object per line, as the JSON views', async () => {
    const response = await get('/v1/audit', { ...redViewer, ...NDJSON });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/x-ndjson/);
    assert.match(String(response.headers.vary), /accept/i);
    const exported = lines(response.body);
    assert.equal(exported.length, red.length);
    assert.deepEqual(seqs(exported), seqs(red));
    // Line for line what the JSON page says, reversed.
    assert.deepEqual(exported, (await page('/v1/audit')).items.reverse());
  });

  test('exports everything, ignoring first and after, across tenants for a platform-admin', async () => {
    const all = lines((await get('/v1/audit?first=1', { ...platform, ...NDJSON })).body);
    assert.deepEqual(seqs(all), seqs([...red, ...blue].sort((a, b) => Number(a.seq) - Number(b.seq))));
    const blueOnly = lines((await get('/v1/audit?tenant=blue', { ...platform, ...NDJSON })).body);
    assert.deepEqual(seqs(blueOnly), seqs(blue));
    assert.deepEqual(seqs(lines((await get('/v1/audit', { ...blueViewer, ...NDJSON })).body)), seqs(blue));
  });

  test('applies the same filters, and answers an empty body when nothing matches', async () => {
    const nodes = lines(
      (await get('/v1/audit?action=node.&outcome=requested', { ...redViewer, ...NDJSON })).body,
    );
    assert.deepEqual(seqs(nodes), seqs([red[0]!, red[2]!]));
    const none = await get('/v1/audit?actor=nobody', { ...redViewer, ...NDJSON });
    assert.equal(none.statusCode, 200);
    assert.match(String(none.headers['content-type']), /^application\/x-ndjson/);
    assert.equal(none.body, '');
  });

  test('refuses as JSON does, with problem+json: another tenant, bad filters', async () => {
    assertProblem(await get('/v1/audit?tenant=blue', { ...redViewer, ...NDJSON }), {
      status: 403,
      code: 'FORBIDDEN',
    });
    assertProblem(await get('/v1/audit?outcome=maybe', { ...redViewer, ...NDJSON }), {
      status: 400,
      code: 'BAD_INPUT',
    });
    assertProblem(await get('/v1/audit?operationId=nope', { ...redViewer, ...NDJSON }), {
      status: 400,
      code: 'BAD_INPUT',
    });
  });

  test('is chosen by Accept only when NDJSON is preferred to JSON', async () => {
    const cases: [string, RegExp][] = [
      ['application/json', /^application\/json/],
      ['*/*', /^application\/json/],
      ['application/x-ndjson;q=0.5, application/json', /^application\/json/],
      ['application/json;q=0.5, application/x-ndjson', /^application\/x-ndjson/],
      ['application/ndjson', /^application\/x-ndjson/],
    ];
    for (const [accept, type] of cases) {
      const response = await get('/v1/audit', { ...redViewer, accept });
      assert.equal(response.statusCode, 200, accept);
      assert.match(String(response.headers['content-type']), type, accept);
    }
  });

  test('returns every database client to the pool in step for its next user, HEAD requests included', async () => {
    // A HEAD request ends its answer while the cursor's first fetch is still in flight: closing the cursor then
    // must not leave the connection out of step, which would hang the next export handed the same client.
    for (let round = 0; round < 12; round += 1) {
      const head = await withDeadline(
        subject.app.inject({ method: 'HEAD', url: '/v1/audit', headers: { ...platform, ...NDJSON } }),
      );
      assert.equal(head.statusCode, 200);
      assert.match(String(head.headers['content-type']), /^application\/x-ndjson/);
      assert.equal(head.body, '');
      const next = await withDeadline(get('/v1/audit', { ...platform, ...NDJSON }));
      assert.equal(lines(next.body).length, red.length + blue.length, `round ${round}`);
    }
    const pool = subject.app.pg;
    const deadline = Date.now() + 2000;
    while (pool.idleCount !== pool.totalCount && Date.now() < deadline) await sleep(20);
    assert.equal(pool.totalCount - pool.idleCount, 0, 'a client is still checked out');
    assert.equal(pool.waitingCount, 0);
  });
});

describe('GET /v1/audit/integrity', () => {
  test('answers 401 without a token', async () => {
    assertUnauthenticated(await subject.app.inject({ method: 'GET', url: '/v1/audit/integrity' }));
  });

  test("a viewer checks its own tenant's chain; a platform-admin every chain or one", async () => {
    const own = await get('/v1/audit/integrity');
    assert.equal(own.statusCode, 200, own.body);
    assert.deepEqual(own.json(), {
      ok: true,
      tenants: [{ tenant: 'red', events: red.length, ok: true, firstBroken: null }],
    });
    assertProblem(await get('/v1/audit/integrity?tenant=blue'), { status: 403, code: 'FORBIDDEN' });
    assertProblem(await get('/v1/audit/integrity?tenant='), { status: 400, code: 'BAD_INPUT' });
    const all = await get('/v1/audit/integrity', platform);
    assert.deepEqual(all.json(), {
      ok: true,
      tenants: [
        { tenant: 'blue', events: blue.length, ok: true, firstBroken: null },
        { tenant: 'red', events: red.length, ok: true, firstBroken: null },
      ],
    });
    const one = await get('/v1/audit/integrity?tenant=blue', platform);
    assert.deepEqual(
      one.json<{ tenants: { tenant: string }[] }>().tenants.map((t) => t.tenant),
      ['blue'],
    );
  });

  test('names the first event whose content was altered behind the application’s back', async () => {
    const green: AuditEvent[] = [];
    for (const phase of ['requested', 'succeeded', 'requested'] as const) {
      green.push(
        await subject.app.audit.append({
          tenant: 'green',
          operationId: randomUUID(),
          phase,
          action: 'node.label',
          actor: carol,
          target: { swarmName: 'gamma' },
          parameters: { add: ['zone=a'] },
        }),
      );
    }
    // Only the database owner can get past the append-only triggers, by switching them off for its session.
    const owner = new pg.Client({ connectionString: subject.db.url });
    await owner.connect();
    try {
      await owner.query('SET session_replication_role = replica');
      await owner.query("UPDATE audit_events SET reason = 'nothing to see' WHERE id = $1", [green[1]!.id]);
    } finally {
      await owner.end();
    }
    const verdict = await get('/v1/audit/integrity?tenant=green', platform);
    assert.equal(verdict.statusCode, 200, verdict.body);
    const body = verdict.json<{
      ok: boolean;
      tenants: { tenant: string; ok: boolean; events: number; firstBroken: Record<string, unknown> | null }[];
    }>();
    assert.equal(body.ok, false);
    assert.equal(body.tenants[0]?.events, 3);
    assert.equal(body.tenants[0]?.ok, false);
    const broken = body.tenants[0]?.firstBroken;
    assert.deepEqual(Object.keys(broken ?? {}).sort(), ['id', 'problem', 'seq', 'tenantSeq']);
    assert.equal(broken?.id, green[1]!.id);
    assert.equal(broken?.seq, green[1]!.seq);
    assert.equal(broken?.tenantSeq, 2);
    assert.match(String(broken?.problem), /altered/);
    // Red's chain is untouched, and the platform-wide verdict is not ok.
    assert.equal((await get('/v1/audit/integrity')).json<{ ok: boolean }>().ok, true);
    assert.equal((await get('/v1/audit/integrity', platform)).json<{ ok: boolean }>().ok, false);
  });
});
