// promoteNode/demoteNode and the quorum guard against the lab: demoting one of alpha's three managers needs force
// (two is even) and is audited as forced; promoting it back needs none; with a manager stopped, a demote that would
// lose quorum is refused even with force, at request time and again in the job. alpha ends with its three managers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import pg from 'pg';
import type { DockerNode } from '../../../src/docker/types.ts';
import { tryLockSwarm } from '../../../src/jobs/swarm-lock.ts';
import {
  isolatedRedisUrl,
  NODE_JOB_FIELDS,
  untilJobEnds,
  type JobProgress,
  type NodeJob,
} from '../../helpers/jobs.ts';
import {
  dockerFor,
  labEngine,
  nodeByHostname,
  runLabCli,
  swarmHealthy,
  waitUntil,
} from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const MANAGERS = ['alpha-m1', 'alpha-m2', 'alpha-m3'];
const JOB = `${NODE_JOB_FIELDS} progress { percent step message }`;
const DEMOTE = `mutation ($input: DemoteNodeInput!) { demoteNode(input: $input) { ${JOB} } }`;
const PROMOTE = `mutation ($input: PromoteNodeInput!) { promoteNode(input: $input) { ${JOB} } }`;

interface Job extends NodeJob {
  progress: JobProgress;
}

interface AuditRow {
  outcome: string;
  action: string;
  forced: boolean;
  reason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  actor: { sub: string };
}

let lab: RedBlue;
let admin: string;

/** A manager that is up, to look at alpha directly (alpha-m3 is stopped in one test). */
const docker = (engine = 'alpha-m1'): Docker => dockerFor(labEngine(lab.inventory, engine), 'socket', 5000);

const nodeNamed = (name: string, via = 'alpha-m1'): Promise<DockerNode> =>
  nodeByHostname(docker(via), name, 'alpha');

const waitForJob = (id: string, timeoutMs = 180_000): Promise<Job> =>
  untilJobEnds<Job>(lab.app, admin, JOB, id, { timeoutMs, intervalMs: 250 });

async function auditOf(operationId: string): Promise<AuditRow[]> {
  return dataOf(
    await gql<{ auditEvents: { items: AuditRow[] } }>(
      lab.app,
      admin,
      `query ($op: ID) { auditEvents(filter: { operationId: $op }) {
        items { outcome action forced reason errorCode errorMessage actor { sub } } } }`,
      { op: operationId },
    ),
  ).auditEvents.items;
}

/** The newest operation of `action`: its requested event and its outcome. */
async function lastOperation(action: string): Promise<AuditRow[]> {
  const { items } = dataOf(
    await gql<{ auditEvents: { items: (AuditRow & { operationId: string })[] } }>(
      lab.app,
      admin,
      `query ($action: String) { auditEvents(filter: { action: $action }, first: 1) { items { operationId } } }`,
      { action },
    ),
  ).auditEvents;
  assert.ok(items[0], `an audit event of ${action}`);
  return auditOf(items[0].operationId);
}

/** alpha's three managers Ready and reachable, seen from alpha-m1. */
function waitHealthy(timeoutMs = 120_000): Promise<number> {
  return waitUntil('alpha to be healthy', () => swarmHealthy(lab.inventory, 'alpha'), timeoutMs, 500);
}

/**
 * Puts alpha back as the lab made it, whatever a failed test left: alpha-m3 running, every manager a manager.
 * Straight through Docker, so it works even if the gateway is what failed.
 */
async function restoreManagers(): Promise<void> {
  const status = await runLabCli(['start', 'alpha-m3']);
  if (status.code !== 0 && !/already running/.test(status.stdout + status.stderr)) {
    console.log(`lab start alpha-m3: ${status.code} ${status.stdout} ${status.stderr}`);
  }
  for (const name of MANAGERS) {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      try {
        const node = await nodeNamed(name);
        if (node.Spec.Role === 'manager') break;
        await docker()
          .getNode(node.ID)
          .update({ version: node.Version.Index, ...node.Spec, Role: 'manager' });
        break;
      } catch (error) {
        if (attempt === 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
  await waitHealthy(180_000);
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  admin = tokenFor('red', ['admin'], { sub: 'ada' });
  assert.equal(await swarmHealthy(lab.inventory, 'alpha'), true, 'alpha starts healthy');
});

after(async () => {
  try {
    await restoreManagers();
  } finally {
    await lab?.subject.close();
  }
});

test('demoting one of three managers without force is QUORUM_AT_RISK (two is even), with the counts', async () => {
  const answer = await gql(lab.app, admin, DEMOTE, {
    input: { swarm: 'alpha', node: 'alpha-m3', reason: 'hardware swap' },
  });
  const error = answer.errors?.[0];
  assert.equal(error?.extensions.code, 'QUORUM_AT_RISK', JSON.stringify(answer.errors));
  assert.match(error.message, /demoting alpha-m3 would leave 2 managers, an even number/);
  assert.match(error.message, /swarm "alpha" has 3 managers, 3 reachable/);
  assert.match(error.message, /would tolerate 0 failures/);
  assert.match(error.message, /pass force: true/);
  assert.equal((await nodeNamed('alpha-m3')).Spec.Role, 'manager', 'nothing changed');

  const [outcome] = (await lastOperation('node.demote')).filter((event) => event.outcome !== 'REQUESTED');
  assert.equal(outcome?.outcome, 'REFUSED');
  assert.equal(outcome?.errorCode, 'QUORUM_AT_RISK');

  // The REST door says the same, as a 409 problem.
  const rest = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/nodes/alpha-m3/demote',
    headers: { authorization: `Bearer ${admin}` },
    payload: { reason: 'hardware swap' },
  });
  assert.equal(rest.statusCode, 409, rest.body);
  assert.equal(rest.json<{ code: string }>().code, 'QUORUM_AT_RISK');

  // A demote must say why; an operator may not demote.
  const noReason = await gql(lab.app, admin, DEMOTE, {
    input: { swarm: 'alpha', node: 'alpha-m3', force: true },
  });
  assert.equal(noReason.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(noReason.errors?.[0]?.message ?? '', /needs a reason/);
  const operator = await gql(lab.app, lab.tokens.redOperator, DEMOTE, {
    input: { swarm: 'alpha', node: 'alpha-m3', force: true, reason: 'x' },
  });
  assert.equal(operator.errors?.[0]?.extensions.code, 'FORBIDDEN');
  // Promoting a worker to make four managers needs force as well.
  const four = await gql(lab.app, admin, PROMOTE, { input: { swarm: 'alpha', node: 'alpha-w2' } });
  assert.equal(four.errors?.[0]?.extensions.code, 'QUORUM_AT_RISK');
  assert.match(four.errors?.[0]?.message ?? '', /promoting alpha-w2 would leave 4 managers/);
  assert.equal((await nodeNamed('alpha-w2')).Spec.Role, 'worker');
});

test('with force the demote is done and audited as forced; promoting it back (2 → 3) needs no force', async (t) => {
  t.after(restoreManagers);
  const m3 = await nodeNamed('alpha-m3');
  const started = Date.now();
  const job = dataOf(
    await gql<{ demoteNode: Job }>(lab.app, admin, DEMOTE, {
      input: { swarm: 'alpha', node: 'alpha-m3', force: true, reason: 'hardware swap' },
    }),
  ).demoteNode;
  assert.equal(job.type, 'node.demote');
  assert.equal(job.forced, true);
  assert.equal(job.target.nodeId, m3.ID);
  const demoted = await waitForJob(job.id);
  const demoteMs = Date.now() - started;
  assert.equal(demoted.state, 'SUCCEEDED', `${demoted.errorCode}: ${demoted.errorMessage}`);
  const asWorker = await nodeNamed('alpha-m3');
  assert.equal(asWorker.Spec.Role, 'worker', 'docker node inspect: Role worker');
  assert.equal(asWorker.ManagerStatus, undefined, 'no longer in the raft');
  const quorum = dataOf(
    await gql<{ swarm: { quorum: { managers: number; reachable: number } } }>(
      lab.app,
      admin,
      'query { swarm(id: "alpha") { quorum { managers reachable } } }',
    ),
  ).swarm.quorum;
  assert.deepEqual(quorum, { managers: 2, reachable: 2 });

  const events = await auditOf(job.operationId);
  assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
  for (const event of events) {
    assert.equal(event.forced, true, `${event.outcome} is audited as forced`);
    assert.equal(event.reason, 'hardware swap');
    assert.equal(event.actor.sub, 'ada');
  }

  // 2 → 3 is odd: no force needed. Through REST: 202 with the job's Location.
  const promotedAt = Date.now();
  const response = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/nodes/alpha-m3/promote',
    headers: { authorization: `Bearer ${admin}` },
    payload: { reason: 'hardware swapped' },
  });
  assert.equal(response.statusCode, 202, response.body);
  const promoteJob = response.json<{ id: string; forced: boolean }>();
  assert.equal(response.headers.location, `/v1/jobs/${promoteJob.id}`);
  assert.equal(promoteJob.forced, false);
  const promoted = await waitForJob(promoteJob.id);
  const promoteMs = Date.now() - promotedAt;
  assert.equal(promoted.state, 'SUCCEEDED', `${promoted.errorCode}: ${promoted.errorMessage}`);
  const asManager = await nodeNamed('alpha-m3');
  assert.equal(asManager.Spec.Role, 'manager');
  assert.equal(asManager.ManagerStatus?.Reachability, 'reachable', 'a reachable manager when the job ends');
  console.log(`demote alpha-m3 (forced): ${demoteMs} ms; promote it back: ${promoteMs} ms`);
  await waitHealthy();
});

test('with alpha-m3 stopped, a demote that would lose quorum is refused even with force, also by the job', async (t) => {
  t.after(restoreManagers);
  const pool = new pg.Pool({ connectionString: lab.subject.db.url, max: 2 });
  t.after(() => pool.end());

  // A demote of alpha-m2 that passes the request check now (forced, three managers up) but cannot run yet: the test
  // holds the swarm's job lock, as a running job would.
  const lock = await tryLockSwarm(pool, lab.alpha.id);
  assert.ok(lock, 'the swarm lock is free');
  let held = true;
  t.after(async () => {
    if (held) await lock.release();
  });
  const queued = dataOf(
    await gql<{ demoteNode: Job }>(lab.app, admin, DEMOTE, {
      input: { swarm: 'alpha', node: 'alpha-m2', force: true, reason: 'queued before the outage' },
    }),
  ).demoteNode;
  assert.equal(queued.state, 'QUEUED');

  const stoppedAt = Date.now();
  const stop = await runLabCli(['stop', 'alpha-m3']);
  assert.equal(stop.code, 0, `${stop.stdout} ${stop.stderr}`);
  const unreachableMs = await waitUntil(
    'alpha-m1 to see alpha-m3 unreachable',
    async () => {
      const m3 = await nodeNamed('alpha-m3');
      return (
        m3.ManagerStatus?.Reachability === 'unreachable' || `alpha-m3 is ${m3.ManagerStatus?.Reachability}`
      );
    },
    60_000,
  );
  console.log(`alpha-m3 stopped in ${stop.ms} ms, seen unreachable ${unreachableMs} ms later`);

  // At request time: refused even with force, with the counts.
  const answer = await gql(lab.app, admin, DEMOTE, {
    input: { swarm: 'alpha', node: 'alpha-m2', force: true, reason: 'during the outage' },
  });
  const error = answer.errors?.[0];
  assert.equal(error?.extensions.code, 'QUORUM_AT_RISK', JSON.stringify(answer.errors));
  assert.match(error.message, /demoting alpha-m2 would lose quorum/);
  assert.match(error.message, /swarm "alpha" has 3 managers, 2 reachable/);
  assert.match(
    error.message,
    /2 managers with 1 reachable, would need 2 for quorum and would tolerate 0 failures/,
  );
  assert.match(error.message, /Refused even with force.*\(alpha-m3\)/);
  const rest = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/nodes/alpha-m2/demote',
    headers: { authorization: `Bearer ${admin}` },
    payload: { force: true, reason: 'during the outage' },
  });
  assert.equal(rest.statusCode, 409, rest.body);
  assert.equal(rest.json<{ code: string }>().code, 'QUORUM_AT_RISK');

  // The queued job runs now and checks again: refused as well, nothing changed.
  await lock.release();
  held = false;
  const ended = await waitForJob(queued.id, 60_000);
  assert.equal(ended.state, 'FAILED');
  assert.equal(ended.errorCode, 'QUORUM_AT_RISK');
  assert.match(ended.errorMessage ?? '', /would lose quorum/);
  const outcome = (await auditOf(queued.operationId)).find((event) => event.outcome !== 'REQUESTED');
  assert.equal(outcome?.outcome, 'REFUSED');
  assert.equal(outcome?.forced, true);
  const m2 = await nodeNamed('alpha-m2');
  assert.equal(m2.Spec.Role, 'manager', 'alpha-m2 is still a manager');
  assert.equal(m2.ManagerStatus?.Reachability, 'reachable');

  const start = await runLabCli(['start', 'alpha-m3']);
  assert.equal(start.code, 0, `${start.stdout} ${start.stderr}`);
  const healthyMs = await waitHealthy();
  console.log(
    `alpha-m3 started in ${start.ms} ms, alpha healthy ${healthyMs} ms later (outage ${Date.now() - stoppedAt} ms)`,
  );
});
