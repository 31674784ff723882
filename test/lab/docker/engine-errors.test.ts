// Hostile engines: endpoints a tenant names that answer HTML, garbage, JSON of the wrong shape, Engine API errors
// carrying a marker, nothing at all, or a certificate of another CA. Each failure is told by its cause in the
// gateway's own words (could not connect / TLS handshake / not a Docker Engine API / timed out / refused with its HTTP
// status), at every door that takes an endpoint, and the marker the engines sent is in no answer, job row, audit row
// or log line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildTestApp, testLogger, type TestApp } from '../../helper.ts';
import { labTls, silentTlsEndpoint } from '../../helpers/engines.ts';
import {
  json,
  startFakeEngine,
  startRawTlsServer,
  type FakeEngine,
  type FakeTls,
} from '../../helpers/fake-engine.ts';
import { untilJobEnds } from '../../helpers/jobs.ts';
import { requireLab } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER } from '../../helpers/red-blue.ts';

/** What the hostile engines put in everything they send. */
const MARKER = 'HOSTILE-MARKER-5d41402abc4b2a76';
const TIMEOUT_MS = 1500;
const admin = tokenFor('acme', ['admin']);

type Mode = 'html' | 'json-500' | 'json-404' | 'bad-shape' | 'broken-json' | 'hang' | 'inactive' | 'join-400';

let subject: TestApp;
let target: FakeEngine;
let garbage: FakeEngine;
let manager: FakeEngine;
let mode: Mode = 'html';
/** Every answer the tenant got, as text. */
const answers: string[] = [];

const engineInfo = (state: 'inactive' | 'active', extra: Record<string, unknown> = {}) => ({
  ID: 'HOSTILE',
  Name: 'hostile',
  ServerVersion: '20.10.24',
  Swarm: {
    NodeID: state === 'active' ? 'hostilenode00000000000001' : '',
    NodeAddr: '',
    LocalNodeState: state,
    ControlAvailable: state === 'active',
    Error: '',
    RemoteManagers: null,
    ...extra,
  },
});

const managerNode = (id: string, hostname: string, port: number) => ({
  ID: id,
  Version: { Index: 3 },
  CreatedAt: '2026-01-01T00:00:00Z',
  UpdatedAt: '2026-01-01T00:00:00Z',
  Spec: { Role: 'manager', Availability: 'active', Labels: {} },
  Description: { Hostname: hostname, Platform: { Architecture: 'x86_64', OS: 'linux' }, Engine: {} },
  Status: { State: 'ready', Addr: '192.168.77.1' },
  ManagerStatus: { Leader: port === 2377, Reachability: 'reachable', Addr: `192.168.77.1:${port}` },
});

before(async () => {
  await requireLab();
  target = await startFakeEngine((request, response, path) => {
    if (path === '/_ping') return void response.end('OK');
    switch (mode) {
      case 'html':
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end(`<html><body><h1>${MARKER}</h1></body></html>`);
      case 'json-500':
        return json(response, 500, { message: MARKER });
      case 'json-404':
        return json(response, 404, { message: MARKER });
      case 'bad-shape':
        return json(response, 200, { Name: MARKER, Swarm: MARKER });
      case 'broken-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(`{"Swarm": {"NodeID": "${MARKER}`);
      case 'hang':
        return; // never answers
      case 'inactive':
      case 'join-400':
        if (path === '/info') return json(response, 200, engineInfo('inactive'));
        if (path === '/swarm/join' && mode === 'join-400')
          return json(response, 400, { message: `${MARKER}: must specify a listening address` });
        if (path === '/swarm/join')
          return json(response, 500, { message: `${MARKER}: Timeout was reached before node joined` });
        return json(response, 500, { message: MARKER });
    }
  });
  garbage = await startRawTlsServer((socket) =>
    socket.end(`${MARKER} \u0001\u0002 this is not HTTP\r\n\r\n`),
  );
  // A hostile tenant's own "manager": a valid one, except that it refuses to leave with a marked message.
  manager = await startFakeEngine((request, response, path) => {
    if (path === '/_ping') return void response.end('OK');
    if (path === '/info') {
      return json(
        response,
        200,
        engineInfo('active', {
          RemoteManagers: [{ NodeID: 'hostilenode00000000000001', Addr: '192.168.77.1:2377' }],
          Cluster: { ID: 'hostilecluster00000000001', Version: { Index: 1 }, Spec: { Name: 'default' } },
        }),
      );
    }
    if (path === '/nodes') {
      return json(response, 200, [
        managerNode('hostilenode00000000000001', 'hostile-m1', 2377),
        managerNode('hostilenode00000000000002', 'hostile-m2', 2378),
        managerNode('hostilenode00000000000003', 'hostile-m3', 2379),
      ]);
    }
    if (path === '/swarm') {
      return json(response, 200, {
        ID: 'hostilecluster00000000001',
        Version: { Index: 1 },
        Spec: { Name: 'default' },
        JoinTokens: { Worker: 'not-a-real-token-worker', Manager: 'not-a-real-token-manager' },
      });
    }
    if (path === '/services' || path === '/tasks') return json(response, 200, []);
    if (request.method === 'POST') return json(response, 500, { message: MARKER });
    return json(response, 404, { message: 'page not found' });
  });
  subject = await buildTestApp({
    SWARMGATE_ENGINE_NETWORKS: '192.168.77.0/24',
    SWARMGATE_DOCKER_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  const registered = await gql(subject.app, admin, REGISTER, {
    input: { name: 'hostile', endpoints: [{ url: manager.url, tls: manager.tls }] },
  });
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
});

let closed = false;
async function closeGateway(): Promise<void> {
  if (closed || !subject) return;
  closed = true;
  await subject.close();
}

after(async () => {
  await closeGateway();
  await Promise.all([target?.close(), garbage?.close(), manager?.close()]);
});

const endpointOf = (fake: FakeEngine, tls: FakeTls | undefined = fake.tls) => ({ url: fake.url, tls });

/** Each hostile endpoint: how it is set up, and the cause the gateway must name. */
const causes = (): { what: string; setup: () => { url: string; tls: unknown }; expect: RegExp }[] => [
  {
    what: 'an HTML page',
    setup: () => ((mode = 'html'), endpointOf(target)),
    expect: /answered, but not as a Docker Engine API does/,
  },
  {
    what: 'an Engine API error 500',
    setup: () => ((mode = 'json-500'), endpointOf(target)),
    expect: /refused the request \(HTTP 500\)/,
  },
  {
    what: 'an Engine API error 404',
    setup: () => ((mode = 'json-404'), endpointOf(target)),
    expect: /refused the request \(HTTP 404\)/,
  },
  {
    what: 'JSON of the wrong shape',
    setup: () => ((mode = 'bad-shape'), endpointOf(target)),
    expect: /not as a Docker Engine API does/,
  },
  {
    what: 'broken JSON',
    setup: () => ((mode = 'broken-json'), endpointOf(target)),
    expect: /not as a Docker Engine API does/,
  },
  {
    what: 'bytes that are not HTTP',
    setup: () => endpointOf(garbage),
    expect: /not as a Docker Engine API does/,
  },
  {
    what: 'nothing (it hangs)',
    setup: () => ((mode = 'hang'), endpointOf(target)),
    expect: /did not answer in time/,
  },
  {
    what: 'a certificate of another CA',
    setup: () => ((mode = 'html'), endpointOf(target, labTls())),
    expect: /TLS handshake with the engine at .* failed/,
  },
  { what: 'a closed port', setup: () => silentTlsEndpoint(), expect: /^could not connect to the engine at/ },
];

describe('hostile endpoints at registration, by cause, both doors', () => {
  test('registerSwarm (GraphQL and REST) answers SWARM_UNREACHABLE with the cause in the gateway’s words', async () => {
    let n = 0;
    for (const { what, setup, expect } of causes()) {
      const endpoint = setup();
      const answer = await gql(subject.app, admin, REGISTER, {
        input: { name: `h-${++n}`, endpoints: [endpoint] },
      });
      answers.push(JSON.stringify(answer));
      assert.equal(
        answer.errors?.[0]?.extensions.code,
        'SWARM_UNREACHABLE',
        `${what}: ${JSON.stringify(answer)}`,
      );
      assert.match(answer.errors[0].message, expect, what);

      const response = await subject.app.inject({
        method: 'POST',
        url: '/v1/swarms',
        headers: bearer(admin),
        payload: { name: `h-${++n}`, endpoints: [endpoint] },
      });
      answers.push(response.body);
      assert.equal(response.statusCode, 503, `${what}: ${response.body}`);
      assert.match(response.json<{ detail: string }>().detail, expect, what);
    }
  });

  test('updateSwarm with a hostile endpoint is refused alike', async () => {
    mode = 'html';
    const answer = await gql(
      subject.app,
      admin,
      `mutation ($input: UpdateSwarmInput!) { updateSwarm(input: $input) { swarm { id } } }`,
      { input: { swarm: 'hostile', endpoints: [endpointOf(target)] } },
    );
    answers.push(JSON.stringify(answer));
    assert.equal(answer.errors?.[0]?.extensions.code, 'SWARM_UNREACHABLE', JSON.stringify(answer));
    assert.match(answer.errors[0].message, /not as a Docker Engine API does/);
  });
});

interface JobView {
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  progress: { message: string | null };
}
const JOB_FIELDS = 'state errorCode errorMessage progress { message }';

async function jobOf(query: string, input: Record<string, unknown>, key: string): Promise<JobView> {
  const answer = await gql(subject.app, admin, query, { input });
  answers.push(JSON.stringify(answer));
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  const id = (answer.data as Record<string, { id: string }>)[key]!.id;
  const job = await untilJobEnds<JobView>(subject.app, admin, JOB_FIELDS, id, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  answers.push(JSON.stringify(job));
  return job;
}

describe('hostile engines the tenant names for init, join and leave', () => {
  const INIT = `mutation ($input: InitSwarmInput!) { initSwarm(input: $input) { id } }`;
  const JOIN = `mutation ($input: JoinNodeInput!) { joinNode(input: $input) { id } }`;
  const LEAVE = `mutation ($input: LeaveSwarmInput!) { leaveSwarm(input: $input) { id } }`;

  test('initSwarm: an engine that is not Docker, and one whose init fails with its own words', async () => {
    mode = 'html';
    const notDocker = await jobOf(INIT, { name: 'i-1', endpoint: endpointOf(target) }, 'initSwarm');
    assert.equal(notDocker.errorCode, 'SWARM_UNREACHABLE', JSON.stringify(notDocker));
    assert.match(notDocker.errorMessage ?? '', /not as a Docker Engine API does/);
    mode = 'inactive';
    const refused = await jobOf(INIT, { name: 'i-2', endpoint: endpointOf(target) }, 'initSwarm');
    assert.equal(refused.errorCode, 'INTERNAL', JSON.stringify(refused));
    assert.match(refused.errorMessage ?? '', /refused the request \(HTTP 500\)/);
  });

  test('joinNode: a join Docker says timed out is JOIN_TIMEOUT with the ports; an address error is BAD_INPUT', async () => {
    mode = 'inactive';
    const timedOut = await jobOf(JOIN, { swarm: 'hostile', endpoint: endpointOf(target) }, 'joinNode');
    assert.equal(timedOut.errorCode, 'JOIN_TIMEOUT', JSON.stringify(timedOut));
    assert.match(timedOut.errorMessage ?? '', /TCP 2377/);
    mode = 'join-400';
    const address = await jobOf(JOIN, { swarm: 'hostile', endpoint: endpointOf(target) }, 'joinNode');
    assert.equal(address.errorCode, 'BAD_INPUT', JSON.stringify(address));
    assert.match(address.errorMessage ?? '', /pass advertiseAddress/);
    mode = 'hang';
    const hung = await jobOf(JOIN, { swarm: 'hostile', endpoint: endpointOf(target) }, 'joinNode');
    assert.equal(hung.errorCode, 'SWARM_UNREACHABLE', JSON.stringify(hung));
    assert.match(hung.errorMessage ?? '', /did not answer in time/);
  });

  test('leaveSwarm: an engine refusing to leave is named by its status, not its words', async () => {
    const job = await jobOf(
      LEAVE,
      { swarm: 'hostile', node: 'hostile-m1', endpoint: endpointOf(manager), force: true, reason: 'test' },
      'leaveSwarm',
    );
    assert.equal(job.state, 'FAILED', JSON.stringify(job));
    assert.equal(job.errorCode, 'INTERNAL', JSON.stringify(job));
    assert.match(
      job.errorMessage ?? '',
      /hostile-m1 did not leave: the engine at .* refused the request \(HTTP 500\)/,
    );
  });
});

test('the marker is in no answer, job row, audit row or log line', async () => {
  const db = new pg.Client({ connectionString: subject.db.url });
  await db.connect();
  let rows: string[];
  try {
    const jobs = await db.query<{ body: string }>('SELECT row_to_json(j)::text AS body FROM jobs j');
    const audit = await db.query<{ body: string }>('SELECT row_to_json(a)::text AS body FROM audit_events a');
    assert.ok(jobs.rowCount! >= 6 && audit.rowCount! > 20, 'the attempts left their rows');
    rows = [...jobs.rows, ...audit.rows].map((row) => row.body);
  } finally {
    await db.end();
  }
  for (const text of [...answers, ...rows])
    assert.ok(!text.includes(MARKER), `marker in: ${text.slice(0, 400)}`);
  // The log is complete once the gateway is closed (it logs at debug in tests: stricter than info).
  await closeGateway();
  const log = readFileSync(testLogger().file, 'utf8');
  assert.ok(log.length > 0);
  const lines = log.split('\n').filter((line) => line.includes(MARKER));
  assert.deepEqual(lines, [], 'log lines hold what an engine sent');
});
