// Scheduled join-token rotation on the lab's beta swarm (tenant blue): who may set it, a missed periodic rotation run
// at a gateway's start (beta's tokens change, as `docker swarm join-token -q` on beta-m1 shows), and afterJoin
// (spare-2 joins beta through swarmgate, the worker token changes after it, by the schedule). spare-2 leaves and is
// removed again, so beta is beta-m1 + beta-w1 at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import pg from 'pg';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, tlsEndpointsOf } from '../../helpers/red-blue.ts';
import { assertProblem, bearer } from '../../helpers/tokens.ts';

const run = promisify(execFile);

const blueAdmin = tokenFor('blue', ['admin']);
const blueOperator = tokenFor('blue', ['operator']);
const redAdmin = tokenFor('red', ['admin']);

let subject: TestApp;
let inventory: Inventory;
let betaId: string;

const SET = `mutation ($input: SetJoinTokenRotationInput!) {
  setJoinTokenRotation(input: $input) { everyDays afterJoin lastRotatedAt nextAt }
}`;
const JOB_FIELDS = 'id type state errorCode errorMessage reason result requestedBy { sub actors source }';
const JOIN = `mutation ($input: JoinNodeInput!) { joinNode(input: $input) { ${JOB_FIELDS} } }`;
const LEAVE = `mutation ($input: LeaveSwarmInput!) { leaveSwarm(input: $input) { ${JOB_FIELDS} } }`;
const REMOVE = `mutation ($input: RemoveNodeInput!) { removeNode(input: $input) { ${JOB_FIELDS} } }`;

interface JobView {
  id: string;
  type: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  reason: string | null;
  result: string | null;
  requestedBy: { sub: string; actors: string[]; source: string };
}

const engine = (name: string) => labEngine(inventory, name);
const betaManager = () => dockerFor(engine('beta-m1'));

/** `docker swarm join-token -q ROLE` on beta-m1, as an operator would type it (kept in this test only). */
async function dockerJoinToken(role: 'worker' | 'manager'): Promise<string> {
  const { stdout } = await run('docker', [
    '-H',
    `unix://${engine('beta-m1').socket}`,
    'swarm',
    'join-token',
    '-q',
    role,
  ]);
  return stdout.trim();
}

async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: subject.db.url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The rotate jobs the schedule started on beta, oldest first. */
const scheduleJobs = () =>
  query<{ id: string; reason: string; role: string }>(
    `SELECT id, reason, parameters->>'role' AS role FROM jobs
      WHERE swarm_id = $1 AND type = 'swarm.joinToken.rotate' AND principal_sub = 'schedule' ORDER BY created_at, id`,
    [betaId],
  );

const waitForJob = (id: string, timeoutMs = 90_000) =>
  untilJobEnds<JobView>(subject.app, blueAdmin, JOB_FIELDS, id, { timeoutMs, intervalMs: 250 });

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/** The rotate job's audit events, with who did them. */
const rotateEvents = (jobId: string) =>
  query<{ phase: string; principal_sub: string; source: string; roles: string[]; reason: string }>(
    `SELECT phase, principal_sub, source, roles, reason FROM audit_events
      WHERE action = 'swarm.joinToken.rotate' AND operation_id = (SELECT operation_id FROM jobs WHERE id = $1)
      ORDER BY seq`,
    [jobId],
  );

async function swarmState(name: string): Promise<string> {
  const info = (await dockerFor(engine(name)).info()) as { Swarm: { LocalNodeState: string } };
  return info.Swarm.LocalNodeState;
}

/** Puts spare-2 out of any swarm and beta back to two nodes, whatever a failed test left. */
async function restoreSpare2(): Promise<void> {
  const docker: Docker = dockerFor(engine('spare-2'), 'socket', 60_000);
  if ((await swarmState('spare-2')) !== 'inactive') await docker.swarmLeave({ force: true });
  const nodes = (await betaManager().listNodes()) as { ID: string; Description: { Hostname: string } }[];
  for (const node of nodes) {
    if (node.Description.Hostname === 'spare-2') await betaManager().getNode(node.ID).remove({ force: true });
  }
}

before(async () => {
  inventory = await requireLab();
  subject = await buildTestApp();
  const registered = dataOf(
    await gql<{ registerSwarm: { swarm: { id: string } } }>(subject.app, blueAdmin, REGISTER, {
      input: { name: 'beta', endpoints: tlsEndpointsOf(inventory, ['beta-m1']) },
    }),
  );
  betaId = registered.registerSwarm.swarm.id;
});
after(async () => {
  try {
    await restoreSpare2();
    // No scheduler of this test's queue is left in Redis.
    await subject?.app.joinTokenSchedule.scheduler.unschedule(betaId);
  } finally {
    await subject?.close();
  }
});

test('setJoinTokenRotation: an operator is FORBIDDEN, another tenant NOT_FOUND, an admin sets it (audited)', async () => {
  const refused = await gql(subject.app, blueOperator, SET, { input: { swarm: 'beta', everyDays: 1 } });
  assert.equal(refused.errors?.[0]?.extensions.code, 'FORBIDDEN', JSON.stringify(refused.errors));
  const theirs = await gql(subject.app, redAdmin, SET, { input: { swarm: betaId, everyDays: 1 } });
  assert.equal(theirs.errors?.[0]?.extensions.code, 'NOT_FOUND', JSON.stringify(theirs.errors));
  const theirRead = await subject.app.inject({
    method: 'GET',
    url: `/v1/swarms/${betaId}/join-token-rotation`,
    headers: bearer(redAdmin),
  });
  assertProblem(theirRead, { status: 404, code: 'NOT_FOUND' });

  const response = await subject.app.inject({
    method: 'PUT',
    url: '/v1/swarms/beta/join-token-rotation',
    headers: bearer(blueAdmin),
    payload: { everyDays: 1, afterJoin: true, reason: 'rotate daily and after every join' },
  });
  assert.equal(response.statusCode, 200, response.body);
  const set = response.json<{ everyDays: number; afterJoin: boolean; nextAt: string }>();
  assert.equal(set.everyDays, 1);
  assert.equal(set.afterJoin, true);
  assert.ok(Date.parse(set.nextAt) > Date.now());

  const events = await query<{ phase: string; principal_sub: string; source: string }>(
    `SELECT phase, principal_sub, source FROM audit_events WHERE action = 'swarm.joinToken.schedule' AND tenant = 'blue'
      ORDER BY seq`,
  );
  assert.deepEqual(
    events.map((event) => `${event.phase}:${event.principal_sub}:${event.source}`),
    [
      'requested:blue-operator:graphql',
      'refused:blue-operator:graphql',
      'requested:blue-admin:rest',
      'succeeded:blue-admin:rest',
    ],
  );
  // Red's attempt is in red's own log, naming nothing of beta.
  const red = await query<{ phase: string; swarm_id: string | null }>(
    `SELECT phase, swarm_id FROM audit_events WHERE action = 'swarm.joinToken.schedule' AND tenant = 'red'`,
  );
  assert.ok(red.length > 0 && red.every((event) => event.swarm_id === null));
});

test('a rotation missed while the gateway was down runs at the next start: both tokens change, by the schedule', async () => {
  const before = { worker: await dockerJoinToken('worker'), manager: await dockerJoinToken('manager') };
  assert.match(before.worker, /^SWMTKN-/);
  const already = (await scheduleJobs()).length;
  // The gateway was down for three days.
  await query(`UPDATE join_token_rotations SET next_at = now() - interval '3 days' WHERE swarm_id = $1`, [
    betaId,
  ]);

  const restarted = await buildTestApp({}, { database: subject.db });
  try {
    const jobs = (await scheduleJobs()).slice(already);
    assert.deepEqual(
      jobs.map((job) => job.role),
      ['worker', 'manager'],
      'one rotation of each token, not one per missed day',
    );
    for (const started of jobs) {
      const job = await waitForJob(started.id);
      assert.equal(job.state, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
      assert.deepEqual(job.requestedBy, { sub: 'schedule', actors: [], source: 'schedule' });
      const events = await rotateEvents(job.id);
      assert.deepEqual(
        events.map((event) => event.phase),
        ['requested', 'succeeded'],
      );
      for (const event of events) {
        assert.equal(event.principal_sub, 'schedule');
        assert.equal(event.source, 'schedule');
        assert.match(event.reason, /scheduled join-token rotation \(every 1 day\)/);
      }
    }
    const afterwards = { worker: await dockerJoinToken('worker'), manager: await dockerJoinToken('manager') };
    assert.notEqual(afterwards.worker, before.worker, 'beta-m1 shows a new worker token');
    assert.notEqual(afterwards.manager, before.manager, 'beta-m1 shows a new manager token');

    const [row] = await query<{ next_at: Date; last_rotated_at: Date }>(
      'SELECT next_at, last_rotated_at FROM join_token_rotations WHERE swarm_id = $1',
      [betaId],
    );
    assert.ok(row!.next_at.getTime() > Date.now() + 23 * 3600 * 1000, 'nextAt moved a day on');
    const read = dataOf(
      await gql<{ swarm: { joinTokenRotation: { lastRotatedAt: string; nextAt: string } } }>(
        subject.app,
        tokenFor('blue', ['viewer']),
        'query { swarm(id: "beta") { joinTokenRotation { lastRotatedAt nextAt } } }',
      ),
    ).swarm.joinTokenRotation;
    assert.equal(read.lastRotatedAt, row!.last_rotated_at.toISOString());
    assert.equal(read.nextAt, row!.next_at.toISOString());
  } finally {
    await restarted.close();
  }
});

test('afterJoin: spare-2 joins beta as a worker, then the worker token is rotated by the schedule; spare-2 leaves again', async () => {
  assert.equal(await swarmState('spare-2'), 'inactive', 'spare-2 starts out of any swarm');
  const workerBefore = await dockerJoinToken('worker');
  const managerBefore = await dockerJoinToken('manager');
  try {
    const accepted = dataOf(
      await gql<{ joinNode: JobView }>(subject.app, blueAdmin, JOIN, {
        input: {
          swarm: 'beta',
          endpoint: tlsEndpointsOf(inventory, ['spare-2'])[0],
          role: 'WORKER',
          reason: 'sgS: afterJoin test',
        },
      }),
    ).joinNode;
    const joined = await waitForJob(accepted.id);
    assert.equal(joined.state, 'SUCCEEDED', `${joined.errorCode}: ${joined.errorMessage}`);

    const rotations = await eventually(
      scheduleJobs,
      (jobs) => jobs.some((job) => job.reason.includes(joined.id)),
      10_000,
    );
    const started = rotations.filter((job) => job.reason.includes(joined.id));
    assert.equal(started.length, 1, 'one rotation for the join');
    assert.equal(started[0]!.role, 'worker');
    const rotation = await waitForJob(started[0]!.id);
    assert.equal(rotation.state, 'SUCCEEDED', `${rotation.errorCode}: ${rotation.errorMessage}`);
    assert.deepEqual(rotation.requestedBy, { sub: 'schedule', actors: [], source: 'schedule' });
    const events = await rotateEvents(rotation.id);
    assert.deepEqual(
      events.map((event) => `${event.phase}:${event.principal_sub}`),
      ['requested:schedule', 'succeeded:schedule'],
    );
    assert.match(events[0]!.reason, new RegExp(`after join job ${joined.id}`));

    assert.notEqual(await dockerJoinToken('worker'), workerBefore, 'the worker token changed after the join');
    assert.equal(await dockerJoinToken('manager'), managerBefore, 'the manager token is left alone');
  } finally {
    // Out again through swarmgate: leave, then remove the Down node.
    const leaving = dataOf(
      await gql<{ leaveSwarm: JobView }>(subject.app, blueAdmin, LEAVE, {
        input: { swarm: 'beta', node: 'spare-2', endpoint: tlsEndpointsOf(inventory, ['spare-2'])[0] },
      }),
    ).leaveSwarm;
    const left = await waitForJob(leaving.id);
    assert.equal(left.state, 'SUCCEEDED', `${left.errorCode}: ${left.errorMessage}`);
    const removing = dataOf(
      await gql<{ removeNode: JobView }>(subject.app, blueAdmin, REMOVE, {
        input: { swarm: 'beta', node: 'spare-2', force: true, reason: 'sgS: afterJoin test done' },
      }),
    ).removeNode;
    const removed = await waitForJob(removing.id);
    assert.equal(removed.state, 'SUCCEEDED', `${removed.errorCode}: ${removed.errorMessage}`);
  }
  const nodes = (await betaManager().listNodes()) as { Description: { Hostname: string } }[];
  assert.deepEqual(nodes.map((node) => node.Description.Hostname).sort(), ['beta-m1', 'beta-w1']);
});
