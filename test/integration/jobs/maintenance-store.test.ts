// The maintenance record on PostgreSQL (migration 009): the plan is recorded once and kept by a job run again, node
// states carry their times, a scale-up's replicas before are kept from the first record, continueMaintenance is taken
// only while the node is drained or held, and a resume only ends a pause.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createMaintenanceStore, type MaintenanceStore } from '../../../src/jobs/maintenance-store.ts';
import { createTestDatabase, type TestDatabase } from '../../helper.ts';

let db: TestDatabase;
let pool: pg.Pool;
let store: MaintenanceStore;

const PLAN = [
  { nodeId: 'w1id', hostname: 'w1', role: 'worker' as const },
  { nodeId: 'm1id', hostname: 'm1', role: 'manager' as const },
];

async function newJob(): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO jobs (id, tenant, type, state, input, operation_id, principal_sub, source, input_hash)
     VALUES ($1, 'acme', 'swarm.maintenance', 'running', '\\x00', $2, 'alice', 'rest', '\\x00')`,
    [id, randomUUID()],
  );
  return id;
}

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url });
  store = createMaintenanceStore(pool);
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

test('the plan is recorded once: a job run again keeps its order and states', async () => {
  const job = await newJob();
  const first = await store.plan(job, PLAN);
  assert.deepEqual(
    first.map((node) => [node.hostname, node.role, node.state, node.startedAt]),
    [
      ['w1', 'worker', 'pending', null],
      ['m1', 'manager', 'pending', null],
    ],
  );
  await store.setState(job, 'w1id', 'draining', 'checking');
  const again = await store.plan(job, [...PLAN].reverse());
  assert.deepEqual(
    again.map((node) => [node.hostname, node.state, node.message]),
    [
      ['w1', 'draining', 'checking'],
      ['m1', 'pending', null],
    ],
  );
  assert.ok(again[0]?.startedAt);
  assert.equal(again[0]?.endedAt, null);
  await store.setState(job, 'w1id', 'done');
  const done = (await store.nodes(job))[0];
  assert.ok(done?.endedAt);
  assert.equal(done?.startedAt, again[0]?.startedAt, 'the start time stays the first');
});

test('replicas before a scale-up are kept from the first record; rebalance targets are recorded', async () => {
  const job = await newJob();
  await store.plan(job, PLAN);
  await store.recordSurge(job, 'w1id', 'svc', 4);
  await store.recordSurge(job, 'w1id', 'svc', 5);
  await store.recordRebalance(job, 'w1id', 'web', 7);
  const [w1] = await store.nodes(job);
  assert.deepEqual(w1?.surge, { svc: 4 });
  assert.deepEqual(w1?.rebalance, { web: 7 });
  await store.markDrainedByJob(job, 'w1id');
  assert.equal((await store.nodes(job))[0]?.drainedByJob, true);
});

test('continueMaintenance is taken only while the node is drained or held', async () => {
  const job = await newJob();
  await store.plan(job, PLAN);
  assert.equal((await store.signalContinue(job, 'w1id'))?.continueAt, null, 'pending: not taken');
  await store.setState(job, 'w1id', 'waiting-signal');
  const taken = await store.signalContinue(job, 'w1id');
  assert.ok(taken?.continueAt);
  assert.equal(
    (await store.signalContinue(job, 'w1id'))?.continueAt,
    taken.continueAt,
    'a repeat keeps the first',
  );
  assert.equal(await store.signalContinue(job, 'nope'), null);
});

test('a resume ends a pause only: the job sees it, clears it, and a resume without a pause is refused', async () => {
  const job = await newJob();
  await store.plan(job, PLAN);
  assert.equal(await store.signalResume(job), false);
  await store.setPaused(job, 'w1: no room', 'JOB_TIMEOUT');
  const paused = await store.pause(job);
  assert.ok(paused?.pausedAt);
  assert.equal(paused.reason, 'w1: no room');
  assert.equal(paused.resumeAt, null);
  assert.equal(await store.signalResume(job), true);
  assert.ok((await store.pause(job))?.resumeAt);
  await store.clearPause(job);
  assert.deepEqual(await store.pause(job), { pausedAt: null, reason: null, errorCode: null, resumeAt: null });
});
