// The event-fed state of alpha (SWARMGATE_CACHE=on): reads come from it, a change made with the docker CLI on a
// manager shows within 2 s, `fresh` asks a manager, and concurrent first reads share the watcher's resync.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { labEngine } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { dataOf, gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);
const READS = 1000;
const MAX_CALLS = 5;
const PROPAGATION_MS = 2000;
const METRICS_TOKEN = 'state-test-metrics-token';

let lab: RedBlue;
let alphaId: string;
const docker = (engine: string, ...args: string[]) =>
  run('/usr/bin/docker', ['-H', `unix://${labEngine(lab.inventory, engine).socket}`, ...args], {
    timeout: 30_000,
  });
const calls = () => lab.app.swarmClients.callCounts().get('alpha') ?? 0;

interface NodeItem {
  id: string;
  hostname: string;
  availability: string;
}

const NODES = '{ swarm(id: "alpha") { nodes { totalCount items { id hostname availability } } } }';

async function restNodes(fresh = false): Promise<NodeItem[]> {
  const response = await lab.app.inject({
    method: 'GET',
    url: `/v1/swarms/alpha/nodes${fresh ? '?fresh=true' : ''}`,
    headers: bearer(lab.tokens.redViewer),
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: NodeItem[] }>().items;
}

async function gqlNodes(): Promise<NodeItem[]> {
  return dataOf(await gql<{ swarm: { nodes: { items: NodeItem[] } } }>(lab.app, lab.tokens.redViewer, NODES))
    .swarm.nodes.items;
}

/** Polls the gateway's (cached) node list until `check` holds; the milliseconds it took. */
async function seenThroughGateway(what: string, check: (nodes: NodeItem[]) => boolean): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (check(await restNodes())) return performance.now() - started;
    if (performance.now() - started > 10_000) assert.fail(`the gateway did not show ${what} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

before(async () => {
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'on', SWARMGATE_METRICS_TOKEN: METRICS_TOKEN });
  alphaId = lab.alpha.id;
});
after(async () => {
  await docker('alpha-m1', 'node', 'update', '--availability', 'active', 'alpha-w2').catch(() => undefined);
  await lab?.subject.close();
});

test('concurrent first reads of a swarm share the watcher resync instead of calling a manager each', async () => {
  const before = calls();
  const answers = await Promise.all(Array.from({ length: 20 }, () => restNodes()));
  const made = calls() - before;
  for (const nodes of answers) assert.equal(nodes.length, 5);
  // Opening the events stream, then the resync: swarm inspect, node list, service list.
  assert.ok(made <= 4, `20 concurrent first reads made ${made} Docker API calls`);
  console.log(`20 concurrent first reads: ${made} Docker API calls (events stream + resync)`);
  const watcher = lab.app.swarmState.describe(alphaId);
  assert.ok(watcher?.current, JSON.stringify(watcher));
});

test(`${READS} reads of alpha's nodes (REST and GraphQL, 4 at a time) make at most ${MAX_CALLS} Docker API calls`, async () => {
  await restNodes(); // warm: the watcher runs and has resynced
  const before = calls();
  const started = performance.now();
  for (let batch = 0; batch < READS / 4; batch += 1) {
    const answers = await Promise.all([restNodes(), gqlNodes(), restNodes(), gqlNodes()]);
    for (const nodes of answers) assert.equal(nodes.length, 5);
  }
  const took = performance.now() - started;
  const made = calls() - before;
  console.log(
    `${READS} node reads in ${took.toFixed(0)} ms: ${made} Docker API calls ` +
      `(liveness checks of the watched manager included)`,
  );
  assert.ok(made <= MAX_CALLS, `${READS} reads made ${made} Docker API calls`);
});

test('a drain made with the docker CLI on a manager shows through the gateway within 2 s, and so does activate', async () => {
  await restNodes();
  const w2 = (nodes: NodeItem[]) => nodes.find((node) => node.hostname === 'alpha-w2');
  assert.equal(w2(await restNodes())?.availability, 'ACTIVE', 'alpha-w2 starts active');
  const before = calls();

  const drainStarted = performance.now();
  await docker('alpha-m1', 'node', 'update', '--availability', 'drain', 'alpha-w2');
  const cliMs = performance.now() - drainStarted;
  const drainMs = await seenThroughGateway(
    'alpha-w2 drained',
    (nodes) => w2(nodes)?.availability === 'DRAIN',
  );
  console.log(
    `CLI drain of alpha-w2 seen through the gateway ${drainMs.toFixed(0)} ms after the CLI returned ` +
      `(the CLI itself took ${cliMs.toFixed(0)} ms)`,
  );
  assert.ok(drainMs < PROPAGATION_MS, `the drain took ${drainMs.toFixed(0)} ms to show`);

  const activateStarted = performance.now();
  await docker('alpha-m1', 'node', 'update', '--availability', 'active', 'alpha-w2');
  const cliActivateMs = performance.now() - activateStarted;
  const activeMs = await seenThroughGateway(
    'alpha-w2 active',
    (nodes) => w2(nodes)?.availability === 'ACTIVE',
  );
  console.log(
    `CLI activate of alpha-w2 seen through the gateway ${activeMs.toFixed(0)} ms after the CLI returned ` +
      `(the CLI itself took ${cliActivateMs.toFixed(0)} ms)`,
  );
  assert.ok(activeMs < PROPAGATION_MS, `the activation took ${activeMs.toFixed(0)} ms to show`);
  // Each change costs the watcher one node inspect (and maybe a liveness check), not a list per read.
  console.log(`Docker API calls while the two changes propagated: ${calls() - before}`);
});

test('fresh: true asks a manager even when the state is current; concurrent fresh reads share calls', async () => {
  await restNodes();
  let before = calls();
  await restNodes();
  assert.equal(calls() - before, 0, 'a cached read makes no call');

  before = calls();
  await restNodes(true);
  assert.equal(calls() - before, 1, 'REST ?fresh=true makes one call');

  before = calls();
  const answer = dataOf(
    await gql<{ swarm: { nodes: { totalCount: number }; node: { hostname: string } } }>(
      lab.app,
      lab.tokens.redViewer,
      '{ swarm(id: "alpha") { nodes(fresh: true) { totalCount } node(ref: "alpha-w1", fresh: true) { hostname } } }',
    ),
  );
  assert.equal(answer.swarm.nodes.totalCount, 5);
  assert.equal(answer.swarm.node.hostname, 'alpha-w1');
  assert.equal(calls() - before, 1, 'fresh nodes and node in one request: one call (memoised per request)');

  before = calls();
  await gql(lab.app, lab.tokens.redViewer, '{ swarm(id: "alpha") { services(fresh: true) { totalCount } } }');
  assert.equal(calls() - before, 2, 'fresh services: a service list and a task list');

  before = calls();
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => restNodes(true)));
  for (const nodes of concurrent) assert.equal(nodes.length, 5);
  const made = calls() - before;
  // A fresh read waits for a call that starts after it asked: all who ask while one call is in flight share the
  // next one. The injected requests reach the read spread over a few calls' time, hence a few calls, not 20.
  assert.ok(made >= 1 && made <= 6, `20 concurrent fresh reads made ${made} calls`);
  console.log(`20 concurrent fresh reads: ${made} Docker API calls`);
});

test('observedAt: recent in GraphQL and in the REST status and view; the staleness metric is set', async () => {
  const answer = dataOf(
    await gql<{ swarm: { observedAt: string | null } }>(
      lab.app,
      lab.tokens.redViewer,
      '{ swarm(id: "alpha") { observedAt } }',
    ),
  );
  const age = (iso: string | null | undefined) => Date.now() - Date.parse(iso ?? '');
  assert.ok(age(answer.swarm.observedAt) < 15_000, `GraphQL observedAt ${answer.swarm.observedAt}`);
  for (const url of ['/v1/swarms/alpha', '/v1/swarms/alpha/status']) {
    const response = await lab.app.inject({ method: 'GET', url, headers: bearer(lab.tokens.redViewer) });
    assert.equal(response.statusCode, 200, response.body);
    const observedAt = response.json<{ observedAt: string | null }>().observedAt;
    assert.ok(age(observedAt) < 15_000, `${url} observedAt ${observedAt}`);
  }
  const scrape = await lab.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
  assert.equal(scrape.statusCode, 200);
  const staleness = /^swarmgate_cache_staleness_seconds\{swarm="alpha"\} ([0-9.e+-]+)$/m.exec(scrape.body);
  assert.ok(staleness, 'the staleness of alpha is exported');
  assert.ok(Number(staleness[1]) < 15, `alpha's state is ${staleness[1]} s old`);
  console.log(`swarmgate_cache_staleness_seconds{swarm="alpha"} ${staleness[1]}`);
});

test("another tenant's swarm stays NOT_FOUND with the cache on, and is not watched", async () => {
  const response = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/nodes',
    headers: bearer(lab.tokens.blueViewer),
  });
  assert.equal(response.statusCode, 404, response.body);
  assert.equal(lab.app.swarmState.describe(lab.beta.id), null, 'nobody read beta: no watcher');
});

test('a watcher is restarted when its swarm is updated and stopped when it is unregistered', async () => {
  const readBeta = async () => {
    const response = await lab.app.inject({
      method: 'GET',
      url: '/v1/swarms/beta/nodes',
      headers: bearer(lab.tokens.blueViewer),
    });
    return response.statusCode;
  };
  assert.equal(await readBeta(), 200);
  const first = lab.app.swarmState.describe(lab.beta.id);
  assert.ok(first, 'reading beta started its watcher');

  dataOf(
    await gql(
      lab.app,
      lab.tokens.blueAdmin,
      'mutation { updateSwarm(input: { swarm: "beta", labels: [{ key: "tier", value: "test" }] }) { swarm { id } } }',
    ),
  );
  assert.equal(await readBeta(), 200);
  const second = lab.app.swarmState.describe(lab.beta.id);
  assert.ok(second && second.startedAt > first.startedAt, 'the update restarted the watcher');

  dataOf(
    await gql(lab.app, lab.tokens.blueAdmin, 'mutation { unregisterSwarm(input: { swarm: "beta" }) { id } }'),
  );
  assert.equal(await readBeta(), 404);
  await lab.app.swarmState.sweep();
  assert.equal(lab.app.swarmState.describe(lab.beta.id), null, 'the unregistered swarm is no longer watched');
});
