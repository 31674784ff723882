// removeNode against the lab: a node that is not Down is refused (leave first, or force), a manager is refused
// (demote first), a reason is required; alpha-w2 leaves, is removed, and a job whose node is already gone succeeds.
// alpha-w2 joins alpha again at the end (under a new node ID, as after any `docker swarm join`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import pg from 'pg';
import type { DockerNode, DockerSwarm } from '../../../src/docker/types.ts';
import { tryLockSwarm } from '../../../src/jobs/swarm-lock.ts';
import {
  isolatedRedisUrl,
  NODE_JOB_FIELDS as JOB,
  untilJobEnds,
  type NodeJob as Job,
} from '../../helpers/jobs.ts';
import { dockerFor, labEngine, swarmHealthy, waitUntil } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const NODE = 'alpha-w2';
const REMOVE = `mutation ($input: RemoveNodeInput!) { removeNode(input: $input) { ${JOB} } }`;

let lab: RedBlue;
let admin: string;

const manager = (): Docker => dockerFor(labEngine(lab.inventory, 'alpha-m1'));
const engine = (): Docker => dockerFor(labEngine(lab.inventory, NODE), 'socket', 60_000);

async function nodesNamed(name: string): Promise<DockerNode[]> {
  const nodes = (await manager().listNodes()) as DockerNode[];
  return nodes.filter((candidate) => candidate.Description?.Hostname === name);
}

async function nodeNamed(name: string): Promise<DockerNode> {
  const [node] = (await nodesNamed(name)).filter((candidate) => candidate.Status.State !== 'down');
  assert.ok(node, `${name} is a live node of alpha`);
  return node;
}

const waitForJob = (id: string, timeoutMs = 60_000): Promise<Job> =>
  untilJobEnds<Job>(lab.app, admin, JOB, id, { timeoutMs, intervalMs: 200 });

/** alpha-w2 back in alpha as a Ready worker, and no Down leftover of it; straight through Docker. */
async function rejoin(): Promise<void> {
  const info = (await engine().info()) as { Swarm: { LocalNodeState: string } };
  if (info.Swarm.LocalNodeState !== 'active') {
    if (info.Swarm.LocalNodeState !== 'inactive') await engine().swarmLeave({ force: true });
    const swarm = (await manager().swarmInspect()) as DockerSwarm;
    const m1 = labEngine(lab.inventory, 'alpha-m1');
    const w2 = labEngine(lab.inventory, NODE);
    await engine().swarmJoin({
      ListenAddr: `${w2.address}:2377`,
      AdvertiseAddr: w2.address,
      RemoteAddrs: [`${m1.address}:2377`],
      JoinToken: swarm.JoinTokens?.Worker,
    });
  }
  for (const stale of (await nodesNamed(NODE)).filter((node) => node.Status.State === 'down')) {
    await manager()
      .getNode(stale.ID)
      .remove({ force: true })
      .catch(() => undefined);
  }
  await waitUntil('alpha to be healthy', () => swarmHealthy(lab.inventory, 'alpha'), 120_000, 500);
}

/** alpha-w2 leaves alpha (`docker swarm leave` on it) and the managers see it Down. */
async function leave(): Promise<DockerNode> {
  const node = await nodeNamed(NODE);
  await engine().swarmLeave({ force: false });
  await waitUntil(
    `${NODE} to be Down`,
    async () => {
      const [seen] = (await nodesNamed(NODE)).filter((candidate) => candidate.ID === node.ID);
      return seen?.Status.State === 'down' || `${NODE} is ${seen?.Status.State ?? 'gone'}`;
    },
    60_000,
  );
  return node;
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  admin = tokenFor('red', ['admin'], { sub: 'ada' });
});

after(async () => {
  try {
    await rejoin();
  } finally {
    await lab?.subject.close();
  }
});

test('a Ready node is refused without force (leave first), a manager always (demote first), a reason is required', async () => {
  const ready = await gql(lab.app, admin, REMOVE, {
    input: { swarm: 'alpha', node: NODE, reason: 'retire' },
  });
  assert.equal(ready.errors?.[0]?.extensions.code, 'CONFLICT', JSON.stringify(ready.errors));
  assert.match(
    ready.errors?.[0]?.message ?? '',
    /node alpha-w2 is ready, not down: make it leave the swarm first/,
  );
  assert.match(ready.errors?.[0]?.message ?? '', /force: true/);

  const managerAnswer = await gql(lab.app, admin, REMOVE, {
    input: { swarm: 'alpha', node: 'alpha-m3', force: true, reason: 'retire' },
  });
  assert.equal(managerAnswer.errors?.[0]?.extensions.code, 'CONFLICT');
  assert.match(managerAnswer.errors?.[0]?.message ?? '', /alpha-m3 is a manager .*demote it first/);

  const noReason = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/alpha/nodes/${NODE}?force=true`,
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(noReason.statusCode, 400, noReason.body);
  assert.match(noReason.json<{ detail: string }>().detail, /needs a reason/);
  const operator = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/alpha/nodes/${NODE}?reason=retire`,
    headers: { authorization: `Bearer ${lab.tokens.redOperator}` },
  });
  assert.equal(operator.statusCode, 403, operator.body);
  assert.equal((await nodeNamed(NODE)).Status.State, 'ready', 'nothing changed');
});

test('a node that left is removed through REST; a job whose node is gone already succeeds', async (t) => {
  t.after(rejoin);
  const leftAt = Date.now();
  const node = await leave();
  const downMs = Date.now() - leftAt;

  // A removal queued behind another job (the test holds the swarm's lock), whose node someone else removes first.
  const pool = new pg.Pool({ connectionString: lab.subject.db.url, max: 2 });
  t.after(() => pool.end());
  const lock = await tryLockSwarm(pool, lab.alpha.id);
  assert.ok(lock);
  let held = true;
  t.after(async () => {
    if (held) await lock.release();
  });
  const raced = dataOf(
    await gql<{ removeNode: Job }>(lab.app, admin, REMOVE, {
      input: { swarm: 'alpha', node: node.ID, reason: 'retired (raced)' },
    }),
  ).removeNode;
  assert.equal(raced.state, 'QUEUED');

  // The lock is released: the job runs, and the node is gone from `docker node ls`.
  const removedAt = Date.now();
  await lock.release();
  held = false;
  const raceEnded = await waitForJob(raced.id);
  assert.equal(raceEnded.state, 'SUCCEEDED', `${raceEnded.errorCode}: ${raceEnded.errorMessage}`);
  assert.deepEqual(JSON.parse(raceEnded.result ?? '{}'), {
    removed: true,
    alreadyGone: false,
    state: 'down',
  });
  const removeMs = Date.now() - removedAt;
  assert.deepEqual(
    (await nodesNamed(NODE)).map((candidate) => candidate.ID),
    [],
    'docker node ls no longer lists it',
  );
  console.log(`${NODE} left and was seen Down in ${downMs} ms; removed by the job in ${removeMs} ms`);
  // The same node again: the request cannot find it any more.
  const gone = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/alpha/nodes/${node.ID}?reason=again`,
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(gone.statusCode, 404, gone.body);

  // Join again, leave again, and this time remove through REST while someone removes it by hand meanwhile.
  await rejoin();
  const second = await leave();
  const relock = await tryLockSwarm(pool, lab.alpha.id);
  assert.ok(relock);
  t.after(() => relock.release());
  const response = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/alpha/nodes/${second.ID}?reason=retired`,
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(response.statusCode, 202, response.body);
  const job = response.json<{ id: string; type: string; target: { nodeName: string } }>();
  assert.equal(response.headers.location, `/v1/jobs/${job.id}`);
  assert.equal(job.type, 'node.remove');
  assert.equal(job.target.nodeName, NODE);
  await manager().getNode(second.ID).remove({ force: false });
  await relock.release();
  const ended = await waitForJob(job.id);
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  assert.deepEqual(JSON.parse(ended.result ?? '{}'), { removed: false, alreadyGone: true });
});
