// Service logs on the lab's beta swarm: a ticker service (2 replicas, a line a second on stdout and on stderr) read
// through the REST stream (NDJSON and text, follow, tail, the bounds) and the GraphQL subscription. Lines arrive
// attributed to their task and node, within 1 s of their Docker timestamp (engines and tests share this machine's
// clock); a client that goes away closes the stream's connection on the engine side (seen with `ss` in the root
// namespace and in beta-m1's); the role, the audit and another tenant's NOT_FOUND.
// The gateway runs with SWARMGATE_CACHE=off: no events watch and no periodic task listing keep connections of their
// own to beta-m1 open, so that the logs stream's connection is the only long-lived one this process holds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { DockerService, DockerTask } from '../../../src/docker/types.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { GraphqlWsClient, type ServerMessage } from '../../helpers/graphql-ws.ts';
import { dockerFor, labEngine } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);

const SERVICE = 'sgE-ticker';
/** Writes 10,000 lines of 2 KiB at once, then sleeps: 20 MiB of log, more than the socket buffers hold. */
const FLOOD = 'sgE-flood';
const FLOOD_LINES = 10_000;
const FLOOD_SCRIPT =
  's=x; for k in 1 2 3 4 5 6 7 8 9 10 11; do s=$s$s; done; ' +
  `i=0; while [ $i -lt ${FLOOD_LINES} ]; do echo "$i $s"; i=$((i+1)); done; exec sleep 100000`;
const TICKER = 'i=0; while true; do i=$((i+1)); echo tick $i; echo err $i >&2; sleep 1; done';
const NODES = ['beta-m1', 'beta-w1'];

interface LogLine {
  time: string | null;
  stream: string;
  line: string;
  taskId: string | null;
  taskSlot: number | null;
  nodeId: string | null;
  nodeHostname: string | null;
  serviceId: string;
}
interface EndObject {
  end: true;
  bound: string;
  message: string;
}

let lab: RedBlue;
let docker: Docker;
let base: string;
let port: number;
let engineAddress: string;
let service: DockerService;
const operator = tokenFor('blue', ['operator'], { sub: 'ellen' });
const clients: GraphqlWsClient[] = [];

before(async () => {
  // The flood test reads 20 MiB of lines: the byte cap is raised over it.
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'off', SWARMGATE_LOGS_MAX_BYTES: String(256 * 1024 * 1024) });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  port = (lab.app.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  const manager = labEngine(lab.inventory, 'beta-m1');
  engineAddress = new URL(manager.tlsEndpoint.replace(/^tcp:/, 'https:')).hostname;
  docker = dockerFor(manager);
  await docker
    .getService(SERVICE)
    .remove()
    .catch(() => undefined);
  await docker.createService({
    Name: SERVICE,
    TaskTemplate: {
      ContainerSpec: { Image: 'swarmgate/probe:1', Command: ['sh', '-c', TICKER] },
      // Away from the spare engines, which another test may join to beta for a while.
      Placement: {
        Constraints: lab.inventory.engines
          .filter((engine) => engine.swarm === null)
          .map((engine) => `node.hostname!=${engine.name}`),
      },
    },
    Mode: { Replicated: { Replicas: 2 } },
  });
  service = (await docker.getService(SERVICE).inspect()) as DockerService;
  // Both tasks running and a few lines written.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tasks = (await docker.listTasks({ filters: { service: [service.ID] } })) as DockerTask[];
    if (tasks.filter((task) => task.Status.State === 'running').length === 2) break;
    assert.ok(Date.now() < deadline, 'the ticker runs 2 tasks within 60 s');
    await sleep(500);
  }
  await sleep(4000);
});

after(async () => {
  for (const client of clients) client.terminate();
  for (const name of [SERVICE, FLOOD]) {
    await docker
      ?.getService(name)
      .remove()
      .catch(() => undefined);
  }
  await lab?.subject.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ HTTP streaming client

interface OpenStream {
  response: IncomingMessage;
  /** Each line as it arrived, with its arrival time. */
  lines: { text: string; at: number }[];
  /** Resolves when the response ended. */
  ended: Promise<void>;
  /** Waits until `count` lines arrived (fails after `timeoutMs`). */
  until(count: number, timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/** A GET on the listening gateway, its body read line by line as it arrives (inject() would buffer it all). */
function openLogs(
  query: string,
  token = operator,
  headers: Record<string, string> = {},
  name = SERVICE,
): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/v1/swarms/beta/services/${name}/logs?${query}`,
      { headers: { authorization: `Bearer ${token}`, ...headers }, agent: false },
      (response) => {
        const lines: { text: string; at: number }[] = [];
        const waiters = new Set<() => void>();
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const at = Date.now();
          pending += chunk;
          for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
            lines.push({ text: pending.slice(0, newline), at });
            pending = pending.slice(newline + 1);
          }
          for (const wake of waiters) wake();
        });
        const ended = new Promise<void>((done) => {
          response.on('end', done);
          response.on('close', done);
          response.on('error', () => done());
        });
        void ended.then(() => {
          for (const wake of waiters) wake();
        });
        resolve({
          response,
          lines,
          ended,
          until: (count, timeoutMs = 15_000) =>
            new Promise<void>((done, fail) => {
              const check = () => {
                if (lines.length >= count) finish();
                else if (response.complete || response.destroyed)
                  fail(new Error(`the stream ended after ${lines.length} of ${count} lines`));
              };
              const finish = () => {
                clearTimeout(timer);
                waiters.delete(check);
                done();
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`${lines.length} of ${count} lines within ${timeoutMs} ms`));
              }, timeoutMs);
              waiters.add(check);
              check();
            }),
          destroy: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A whole (ending) answer: status, content type and lines. */
async function readLogs(query: string, token = operator, headers: Record<string, string> = {}) {
  const stream = await openLogs(query, token, headers);
  await stream.ended;
  return {
    status: stream.response.statusCode,
    type: stream.response.headers['content-type'],
    lines: stream.lines.map((line) => line.text),
  };
}

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as LogLine | EndObject);
const isLine = (item: LogLine | EndObject): item is LogLine => !('end' in item);

function assertAttributed(line: LogLine, context: string): void {
  assert.equal(line.serviceId, service.ID, context);
  assert.match(line.taskId ?? '', /^[a-z0-9]{25}$/, context);
  assert.match(line.nodeId ?? '', /^[a-z0-9]{25}$/, context);
  assert.ok(NODES.includes(line.nodeHostname ?? ''), `${context}: node ${line.nodeHostname}`);
  assert.ok(line.taskSlot === 1 || line.taskSlot === 2, `${context}: slot ${line.taskSlot}`);
  if (line.stream === 'stdout') assert.match(line.line, /^tick \d+$/, context);
  else {
    assert.equal(line.stream, 'stderr', context);
    assert.match(line.line, /^err \d+$/, context);
  }
}

/** Milliseconds between each line's Docker timestamp and its arrival. */
const delaysOf = (items: { time: string | null; at: number }[]) =>
  items.map(({ time, at }) => {
    assert.ok(time, 'each line has its time');
    return at - Date.parse(time);
  });

// ------------------------------------------------------------------ the engine's side of the connection

/** Local ports of this process's established connections to beta-m1's engine endpoint (root namespace). */
async function connectionsToEngine(): Promise<Set<number>> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', 'dst', `${engineAddress}:2376`]);
  const ports = new Set<number>();
  for (const row of stdout.split('\n')) {
    if (!row.includes(`pid=${process.pid},`)) continue;
    const local = row.trim().split(/\s+/)[2] ?? '';
    ports.add(Number(local.slice(local.lastIndexOf(':') + 1)));
  }
  return ports;
}

/** The engine's sockets (in beta-m1's namespace) whose peer is one of our `ports`, with their state. */
async function engineSideOf(ports: Set<number>): Promise<string[]> {
  return (await engineSockets(ports)).map((socket) => socket.state);
}

/** The engine's sockets whose peer is one of our `ports`: state and bytes it could not send yet (Send-Q). */
async function engineSockets(ports: Set<number>): Promise<{ state: string; sendQueue: number }[]> {
  const netns = labEngine(lab.inventory, 'beta-m1').netns;
  const { stdout } = await run('nsenter', [
    `--net=/var/run/netns/${netns}`,
    'ss',
    '-tanH',
    'sport',
    '= :2376',
  ]);
  return stdout
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5)
    .filter((cols) => ports.has(Number(cols[4]!.slice(cols[4]!.lastIndexOf(':') + 1))))
    .map((cols) => ({ state: cols[0]!, sendQueue: Number(cols[2]) }));
}

/**
 * The one connection a stream holds of its own: opened after `before`, still there after pooled connections of the
 * same time went idle and closed (Node's shared agent drops an idle socket after 5 s).
 */
async function streamConnection(before: Set<number>): Promise<number> {
  const first = await connectionsToEngine();
  await sleep(6000);
  const later = await connectionsToEngine();
  const own = [...first].filter((port) => later.has(port) && !before.has(port));
  assert.equal(
    own.length,
    1,
    `one long-lived connection of the stream (before ${[...before].join(' ')}, now ${[...later].join(' ')})`,
  );
  return own[0]!;
}

/** Waits until neither side holds the connection open: gone here, and not ESTABLISHED/CLOSE-WAIT on the engine. */
async function assertClosedBothSides(connection: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const ours = await connectionsToEngine();
    const engine = await engineSideOf(new Set([connection]));
    const open = engine.filter((state) => state === 'ESTAB' || state === 'CLOSE-WAIT');
    if (!ours.has(connection) && open.length === 0) return Date.now() - started;
    assert.ok(
      Date.now() - started < 3000,
      `${what}: the connection from port ${connection} is still open 3 s later (engine side: ${engine.join(', ')})`,
    );
    await sleep(100);
  }
}

// ------------------------------------------------------------------ tests

test('REST NDJSON follow: lines attributed to task and node, stdout and stderr apart, each within 1 s of its time', async () => {
  const stream = await openLogs('format=ndjson&follow=true&timestamps=true&tail=0');
  assert.equal(stream.response.statusCode, 200);
  assert.equal(stream.response.headers['content-type'], 'application/x-ndjson');
  await stream.until(12);
  stream.destroy();
  const items = stream.lines.map(({ text, at }) => ({ ...(JSON.parse(text) as LogLine), at }));
  items.forEach((line, index) => assertAttributed(line, `line ${index}`));
  assert.deepEqual(new Set(items.map((line) => line.stream)), new Set(['stdout', 'stderr']));
  assert.equal(new Set(items.map((line) => line.taskId)).size, 2, 'both tasks are heard');
  assert.equal(new Set(items.map((line) => line.nodeHostname)).size, 2, 'one task on each node');
  // A task's stdout and stderr count alike: `tick N` and `err N` of one task carry the same N.
  const delays = delaysOf(items);
  console.log(`REST NDJSON delays (ms): ${delays.join(', ')}`);
  assert.ok(Math.max(...delays) < 1000, `every line within 1 s of its time: ${delays.join(', ')}`);
  assert.ok(Math.min(...delays) > -50, 'no line arrives before its time (one clock)');
});

test('REST text: lines prefixed as docker service logs does; tail=3 without follow is 3 lines of each task', async () => {
  const text = await readLogs('tail=3&timestamps=true', operator, { accept: 'text/plain' });
  assert.equal(text.status, 200);
  assert.match(String(text.type), /^text\/plain/);
  assert.equal(text.lines.length, 6, text.lines.join('\n'));
  const tasks = new Map<string, number>();
  for (const line of text.lines) {
    const match =
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z sgE-ticker\.([12])\.([a-z0-9]{12})@(beta-m1|beta-w1) \| (tick|err) \d+$/.exec(
        line,
      );
    assert.ok(match, `a docker-style line: ${line}`);
    tasks.set(match[2]!, (tasks.get(match[2]!) ?? 0) + 1);
  }
  assert.deepEqual([...tasks.values()], [3, 3], 'tail counts lines per task, stdout and stderr together');

  // NDJSON by the Accept header; the same tail semantics; no timestamps in text without asking.
  const ndjson = await readLogs('tail=3', operator, { accept: 'application/x-ndjson' });
  assert.equal(ndjson.type, 'application/x-ndjson');
  const lines = parsed(ndjson.lines).filter(isLine);
  assert.equal(lines.length, 6);
  lines.forEach((line, index) => assertAttributed(line, `tail line ${index}`));
  const plain = await readLogs('tail=1&format=text');
  assert.match(plain.lines[0]!, /^sgE-ticker\.[12]\.[a-z0-9]{12}@beta-(m1|w1) \| (tick|err) \d+$/);

  // The OpenAPI document describes both media types of the answer.
  const openapi = (await lab.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
  }>();
  const described = openapi.paths['/v1/swarms/{swarm}/services/{service}/logs']?.get;
  assert.deepEqual(Object.keys(described?.responses['200']?.content ?? {}).sort(), [
    'application/x-ndjson',
    'text/plain',
  ]);
  assert.ok(described?.responses['403'] && described.responses['404']);

  const onlyErr = parsed((await readLogs('tail=4&stdout=false&format=ndjson')).lines).filter(isLine);
  assert.ok(onlyErr.length > 0);
  assert.ok(onlyErr.every((line) => line.stream === 'stderr'));
});

test('bounds end the stream with the bound named last: lines, bytes, duration', async () => {
  const started = Date.now();
  const five = parsed((await readLogs('format=ndjson&follow=true&tail=0&lines=5')).lines);
  assert.equal(five.length, 6, JSON.stringify(five));
  assert.equal(five.filter(isLine).length, 5);
  assert.deepEqual({ ...five[5], message: undefined }, { end: true, bound: 'lines', message: undefined });
  assert.ok(Date.now() - started < 10_000);

  const bytes = parsed((await readLogs('format=ndjson&follow=true&tail=0&bytes=20')).lines);
  const sent = bytes.filter(isLine);
  assert.ok(sent.reduce((sum, line) => sum + Buffer.byteLength(line.line), 0) <= 20);
  assert.ok(sent.length >= 2, 'lines are sent until the next would pass the bound');
  assert.equal((bytes.at(-1) as EndObject).bound, 'bytes');

  const opened = Date.now();
  const text = await readLogs('format=text&follow=true&tail=0&maxSeconds=2');
  const elapsed = Date.now() - opened;
  assert.ok(elapsed >= 1900 && elapsed < 5000, `maxSeconds=2 ended the stream after ${elapsed} ms`);
  assert.match(text.lines.at(-1)!, /^-- swarmgate: .*\(bound: duration\)$/);
  assert.ok(text.lines.length > 2, 'lines came meanwhile');

  // A bound above the configured cap is lowered to it, never raised; nonsense is BAD_INPUT naming the field.
  const refused = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/beta/services/${SERVICE}/logs?since=yesterday`,
    headers: { authorization: `Bearer ${operator}` },
  });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json<{ code: string }>().code, 'BAD_INPUT');
  assert.match(refused.json<{ detail: string }>().detail, /since/);
  const badTail = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/beta/services/${SERVICE}/logs?tail=-3`,
    headers: { authorization: `Bearer ${operator}` },
  });
  assert.equal(badTail.statusCode, 400);
  assert.match(badTail.json<{ detail: string }>().detail, /tail/);
});

const SUBSCRIPTION = `subscription ($service: String!, $lines: Int) {
  serviceLogs(swarm: "beta", service: $service, timestamps: true, lines: $lines) {
    time stream line taskId taskSlot nodeId nodeHostname serviceId bound
  }
}`;

async function subscriber(token = operator): Promise<GraphqlWsClient> {
  const client = await GraphqlWsClient.open(`ws://127.0.0.1:${port}/graphql`, {
    headers: { authorization: `Bearer ${token}` },
  });
  clients.push(client);
  await client.init();
  return client;
}

/** Arrival times of subscription `id`'s results, as they come. */
function arrivals(client: GraphqlWsClient, id: string): Map<ServerMessage, number> {
  const seen = new Map<ServerMessage, number>();
  const timer = setInterval(() => {
    for (const message of client.messages)
      if (message.id === id && message.type === 'next' && !seen.has(message)) seen.set(message, Date.now());
  }, 5);
  void client.closed.then(() => clearInterval(timer));
  setTimeout(() => clearInterval(timer), 30_000).unref();
  return seen;
}

test('GraphQL serviceLogs: lines reach the subscriber within 1 s, attributed; a lines bound completes it', async () => {
  const client = await subscriber();
  const seen = arrivals(client, 'logs');
  client.subscribe('logs', SUBSCRIPTION, { service: SERVICE });
  await client.next(() => client.data<{ serviceLogs: LogLine }>('logs').length >= 8, 15_000);
  client.send({ id: 'logs', type: 'complete' });
  const lines = client
    .data<{ serviceLogs: LogLine & { bound: string | null } }>('logs')
    .map((d) => d.serviceLogs);
  lines.forEach((line, index) => {
    assertAttributed(line, `subscription line ${index}`);
    assert.equal(line.bound, null);
  });
  assert.deepEqual(new Set(lines.map((line) => line.stream)), new Set(['stdout', 'stderr']));
  const items = [...seen].map(([message, at]) => ({
    time: (message.payload as { data: { serviceLogs: LogLine } }).data.serviceLogs.time,
    at,
  }));
  const delays = delaysOf(items);
  console.log(`GraphQL delays (ms): ${delays.join(', ')}`);
  assert.ok(Math.max(...delays) < 1000, `every line within 1 s of its time: ${delays.join(', ')}`);

  client.subscribe('three', SUBSCRIPTION, { service: SERVICE, lines: 3 });
  await client.next((message) => message.id === 'three' && message.type === 'complete', 15_000);
  const three = client
    .data<{ serviceLogs: LogLine & { bound: string | null } }>('three')
    .map((d) => d.serviceLogs);
  assert.equal(three.length, 4);
  assert.deepEqual(
    three.map((line) => line.bound),
    [null, null, null, 'lines'],
  );
  assert.equal(three[3]!.stream, 'end');
});

test('a client that goes away closes the stream on the engine side: REST request, GraphQL stop, WebSocket drop', async () => {
  // REST: the HTTP connection closes mid-follow.
  let before = await connectionsToEngine();
  const stream = await openLogs('format=ndjson&follow=true&tail=0');
  await stream.until(2);
  const restConnection = await streamConnection(before);
  assert.deepEqual(await engineSideOf(new Set([restConnection])), ['ESTAB'], 'the engine holds the stream');
  stream.destroy();
  const restMs = await assertClosedBothSides(restConnection, 'REST');
  console.log(`REST client gone: engine connection closed after ${restMs} ms`);

  // GraphQL: the subscription is stopped, the socket stays open.
  const client = await subscriber();
  before = await connectionsToEngine();
  client.subscribe('stop', SUBSCRIPTION, { service: SERVICE });
  await client.nextData('stop', () => true, 15_000);
  const stopConnection = await streamConnection(before);
  client.send({ id: 'stop', type: 'complete' });
  const stopMs = await assertClosedBothSides(stopConnection, 'GraphQL complete');
  console.log(`subscription stopped: engine connection closed after ${stopMs} ms`);
  assert.equal(client.readyState, 1, 'the socket itself stays open');

  // GraphQL: the socket drops without a word.
  before = await connectionsToEngine();
  client.subscribe('drop', SUBSCRIPTION, { service: SERVICE });
  await client.nextData('drop', () => true, 15_000);
  const dropConnection = await streamConnection(before);
  client.terminate();
  const dropMs = await assertClosedBothSides(dropConnection, 'WebSocket dropped');
  console.log(`WebSocket dropped: engine connection closed after ${dropMs} ms`);
});

test('a viewer is FORBIDDEN by default; SWARMGATE_LOGS_ROLE=viewer lets viewers read', async () => {
  const viewer = lab.tokens.blueViewer;
  const rest = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/beta/services/${SERVICE}/logs?tail=1`,
    headers: { authorization: `Bearer ${viewer}` },
  });
  assert.equal(rest.statusCode, 403);
  assert.equal(rest.json<{ code: string }>().code, 'FORBIDDEN');
  const client = await subscriber(viewer);
  client.subscribe('viewer', SUBSCRIPTION, { service: SERVICE });
  const refused = await client.next((message) => message.id === 'viewer' && message.type === 'error');
  assert.equal(
    (refused.payload as { extensions?: { code?: string } }[])[0]?.extensions?.code,
    'FORBIDDEN',
    JSON.stringify(refused),
  );

  const relaxed = await setupRedBlue({ SWARMGATE_CACHE: 'off', SWARMGATE_LOGS_ROLE: 'viewer' });
  try {
    const answer = await relaxed.app.inject({
      method: 'GET',
      url: `/v1/swarms/beta/services/${SERVICE}/logs?tail=2&format=ndjson`,
      headers: { authorization: `Bearer ${relaxed.tokens.blueViewer}` },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const lines = answer.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);
    assert.equal(lines.length, 4);
  } finally {
    await relaxed.subject.close();
  }
});

test('another tenant gets NOT_FOUND for the swarm; a missing service is NOT_FOUND', async () => {
  const red = lab.tokens.redOperator;
  const other = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/beta/services/${SERVICE}/logs?tail=1`,
    headers: { authorization: `Bearer ${red}` },
  });
  assert.equal(other.statusCode, 404);
  assert.equal(other.json<{ code: string }>().code, 'NOT_FOUND');
  // The answer names the swarm as asked, nothing of it or of its services.
  assert.doesNotMatch(other.json<{ detail: string }>().detail, /sgE-ticker|beta-m1/);
  const byId = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/${lab.beta.id}/services/${service.ID}/logs?tail=1`,
    headers: { authorization: `Bearer ${red}` },
  });
  assert.equal(byId.statusCode, 404);
  const client = await subscriber(red);
  client.subscribe('red', SUBSCRIPTION, { service: SERVICE });
  const refused = await client.next((message) => message.id === 'red' && message.type === 'error');
  assert.equal((refused.payload as { extensions?: { code?: string } }[])[0]?.extensions?.code, 'NOT_FOUND');
  const missing = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/beta/services/sgE-no-such-service/logs`,
    headers: { authorization: `Bearer ${operator}` },
  });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json<{ code: string }>().code, 'NOT_FOUND');
});

interface AuditView {
  operationId: string;
  outcome: string;
  action: string;
  errorCode: string | null;
  parameters: string | null;
  actor: { sub: string; source: string };
  target: { swarmName: string | null; serviceId: string | null; serviceName: string | null };
}

test('opening a stream is audited: service.logs requested then succeeded (or refused), with the options', async () => {
  const answer = await gql<{ auditEvents: { items: AuditView[] } }>(
    lab.app,
    lab.tokens.blueAdmin,
    `{ auditEvents(filter: { action: "service.logs" }, first: 500) { items {
      operationId outcome action errorCode parameters actor { sub source } target { swarmName serviceId serviceName }
    } } }`,
  );
  const events = dataOf(answer).auditEvents.items;
  const succeeded = events.filter((event) => event.outcome === 'SUCCEEDED' && event.actor.sub === 'ellen');
  assert.ok(succeeded.some((event) => event.actor.source === 'rest'));
  assert.ok(succeeded.some((event) => event.actor.source === 'graphql'));
  for (const outcome of succeeded) {
    const requested = events.find(
      (event) => event.operationId === outcome.operationId && event.outcome === 'REQUESTED',
    );
    assert.ok(requested, 'requested before succeeded');
    assert.equal(outcome.target.swarmName, 'beta');
    assert.equal(outcome.target.serviceId, service.ID);
    assert.equal(outcome.target.serviceName, SERVICE);
  }
  const withLines = succeeded.find(
    (event) =>
      (JSON.parse(event.parameters ?? '{}') as { lines?: unknown }).lines === '5' ||
      (JSON.parse(event.parameters ?? '{}') as { lines?: unknown }).lines === 5,
  );
  assert.ok(withLines, 'the options are the parameters');
  const refused = events.filter((event) => event.outcome === 'REFUSED');
  assert.ok(
    refused.some((event) => event.errorCode === 'FORBIDDEN'),
    'the viewer refusal is audited',
  );
  assert.ok(
    refused.some((event) => event.errorCode === 'BAD_INPUT'),
    'a bad option is audited as refused',
  );
});

test('a client that reads slowly pauses the engine: 20 MiB of log wait on the engine until the client reads them; the idle bound', async () => {
  await docker.createService({
    Name: FLOOD,
    TaskTemplate: {
      ContainerSpec: { Image: 'swarmgate/probe:1', Command: ['sh', '-c', FLOOD_SCRIPT] },
      Placement: { Constraints: ['node.hostname==beta-w1'] },
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
  // Until the whole flood is in the task's log.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const last = (await docker.getService(FLOOD).logs({ stdout: true, tail: 1 })) as unknown as Buffer;
    if (String(last).includes(`${FLOOD_LINES - 1} xx`)) break;
    assert.ok(Date.now() < deadline, 'the flood is written within 90 s');
    await sleep(1000);
  }

  const before = await connectionsToEngine();
  const stream = await openLogs('format=ndjson&tail=all', operator, {}, FLOOD);
  await stream.until(1);
  stream.response.pause();
  // Unpaused, the engine sends the whole log in about a second and closes the connection (no follow).
  await sleep(3000);
  const ours = [...(await connectionsToEngine())].filter((port) => !before.has(port));
  const engine = await engineSockets(new Set(ours));
  console.log(`paused client, engine side: ${JSON.stringify(engine)}; ${stream.lines.length} lines read`);
  assert.ok(
    engine.some((socket) => socket.state === 'ESTAB' && socket.sendQueue > 0),
    `the engine still holds unsent log bytes 3 s later: ${JSON.stringify(engine)}`,
  );
  assert.ok(stream.lines.length < FLOOD_LINES);

  stream.response.resume();
  await stream.ended;
  const lines = parsed(stream.lines.map((line) => line.text));
  assert.equal(lines.length, FLOOD_LINES, 'every line arrives once the client reads');
  assert.ok(lines.every(isLine));
  assert.match((lines.at(-1) as LogLine).line, new RegExp(`^${FLOOD_LINES - 1} x{2048}$`));

  // The flood's task now only sleeps: a follow of new lines meets the idle bound.
  const started = Date.now();
  const idle = await openLogs('format=ndjson&follow=true&tail=0&idleSeconds=1', operator, {}, FLOOD);
  await idle.ended;
  const elapsed = Date.now() - started;
  assert.deepEqual(
    parsed(idle.lines.map((line) => line.text)).map((item) => (isLine(item) ? 'line' : item.bound)),
    ['idle'],
  );
  assert.ok(elapsed >= 900 && elapsed < 4000, `idleSeconds=1 ended the follow after ${elapsed} ms`);
});
