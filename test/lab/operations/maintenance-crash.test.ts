// A maintenance survives its worker being killed (-9) while a node is drained and held, or while its tasks are still
// moving: another worker resumes the job from its per-node record, the node in progress is not drained again, the
// job finishes; Docker's events show each
// node drained exactly once and none is left drained. The gateway here only enqueues (SWARMGATE_WORKER=off); the
// workers are `src/worker.ts` child processes, as in test/lab/jobs/worker-crash.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { DockerNode } from '../../../src/docker/types.ts';
import { isolatedRedisUrl, untilJobEnds } from '../../helpers/jobs.ts';
import { createSlowService, removeServices, waitUntil } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import {
  activateAlpha,
  alphaManager,
  assertAlphaActive,
  createProbeService,
  drainsPerNode,
  MAINTENANCE_JOB,
  stepEvents,
  stepsOf,
  waitForRunning,
  type MaintenanceJob,
} from '../../helpers/maintenance.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';
import { workerProcesses, type WorkerProcesses } from '../../helpers/worker-process.ts';

const RUN = randomUUID().slice(0, 6);
const START = `mutation ($input: StartMaintenanceInput!) { startMaintenance(input: $input) { ${MAINTENANCE_JOB} } }`;
const CONTINUE = `mutation ($input: ContinueMaintenanceInput!) { continueMaintenance(input: $input) { id } }`;

let lab: RedBlue;
let workers: WorkerProcesses;
let operator: string;
const services: string[] = [];

async function getJob(id: string): Promise<MaintenanceJob> {
  return dataOf(
    await gql<{ job: MaintenanceJob }>(
      lab.app,
      operator,
      `query ($id: ID!) { job(id: $id) { ${MAINTENANCE_JOB} } }`,
      {
        id,
      },
    ),
  ).job;
}

async function untilJob(id: string, what: string, predicate: (job: MaintenanceJob) => boolean) {
  await waitUntil(
    what,
    async () => {
      const job = await getJob(id);
      return predicate(job) || `${job.state} ${job.progress.step ?? ''}: ${job.progress.message ?? ''}`;
    },
    120_000,
    200,
  );
}

const availabilityOf = async (hostname: string) =>
  ((await alphaManager(lab.inventory).listNodes()) as DockerNode[]).find(
    (node) => node.Description?.Hostname === hostname,
  )?.Spec.Availability;

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl(), SWARMGATE_WORKER: 'off' });
  workers = workerProcesses(lab.subject.db, 'maintenance-worker');
  operator = tokenFor('red', ['operator'], { sub: 'rita' });
  await activateAlpha(lab.inventory);
});

after(async () => {
  try {
    await workers.stopAll();
    await removeServices(alphaManager(lab.inventory), services);
  } finally {
    try {
      await activateAlpha(lab.inventory);
    } finally {
      await lab?.subject.close();
    }
  }
});

test('a maintenance whose worker is killed -9 while a node is held drained resumes elsewhere: each node drained once', async () => {
  const docker = alphaManager(lab.inventory);
  const serviceId = await createProbeService(
    docker,
    { name: `sgR-crash-${RUN}`, replicas: 2, constraints: ['node.role==worker'] },
    services,
  );
  await waitForRunning(docker, serviceId, 2);
  const first = await workers.start('first');
  const since = Math.floor(Date.now() / 1000) - 1;
  const job = dataOf(
    await gql<{ startMaintenance: MaintenanceJob }>(lab.app, operator, START, {
      input: {
        swarm: 'alpha',
        role: 'WORKER',
        waitForSignal: true,
        timeoutSeconds: 120,
        reason: 'crash test',
      },
    }),
  ).startMaintenance;

  await untilJob(job.id, 'alpha-w1 held drained', (current) =>
    current.maintenanceNodes.some((node) => node.hostname === 'alpha-w1' && node.state === 'WAITING_SIGNAL'),
  );
  assert.equal(await availabilityOf('alpha-w1'), 'drain');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  assert.equal((await getJob(job.id)).state, 'RUNNING', 'nobody ends the job while no worker runs');

  await workers.start('second');
  // The second worker takes the job over (BullMQ's stalled-job recovery) and goes on waiting for the signal.
  await untilJob(job.id, 'the job resumed by the second worker', (current) => current.attempts >= 2);
  const resumed = await getJob(job.id);
  assert.equal(
    resumed.maintenanceNodes.find((node) => node.hostname === 'alpha-w1')?.state,
    'WAITING_SIGNAL',
  );
  assert.equal(await availabilityOf('alpha-w1'), 'drain', 'still held drained, not activated by the restart');

  // The signal reaches the job in its new worker (stored, not in memory).
  dataOf(await gql(lab.app, operator, CONTINUE, { input: { job: job.id, node: 'alpha-w1' } }));
  await untilJob(job.id, 'alpha-w2 held drained', (current) =>
    current.maintenanceNodes.some((node) => node.hostname === 'alpha-w2' && node.state === 'WAITING_SIGNAL'),
  );
  const rest = await lab.app.inject({
    method: 'POST',
    url: `/v1/jobs/${job.id}/continue`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { node: 'alpha-w2' },
  });
  assert.equal(rest.statusCode, 200, rest.body);
  const ended = await untilJobEnds<MaintenanceJob>(lab.app, operator, MAINTENANCE_JOB, job.id, {
    timeoutMs: 180_000,
    intervalMs: 300,
    showJob: true,
  });
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  assert.ok(ended.attempts >= 2, `resumed: ${ended.attempts} attempts`);
  assert.deepEqual(
    ended.maintenanceNodes.map((node) => `${node.hostname}:${node.state}`),
    ['alpha-w1:DONE', 'alpha-w2:DONE'],
  );

  // Docker: each worker set to drain exactly once, none left drained; one requested and one outcome event.
  const drains = await drainsPerNode(docker, since, Math.ceil(Date.now() / 1000) + 1);
  assert.deepEqual(Object.fromEntries([...drains.entries()].sort()), { 'alpha-w1': 1, 'alpha-w2': 1 });
  await assertAlphaActive(lab.inventory);
  const events = dataOf(
    await gql<{ auditEvents: { items: { outcome: string }[] } }>(
      lab.app,
      lab.tokens.redAdmin,
      'query ($op: ID) { auditEvents(filter: { operationId: $op }) { items { outcome } } }',
      { op: ended.operationId },
    ),
  ).auditEvents.items;
  assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
});

test('killed -9 while a node drains (its tasks still stopping): the next worker goes on waiting, drains nothing twice', async () => {
  const docker = alphaManager(lab.inventory);
  // Tasks that ignore SIGTERM for 8 s: the drain of a worker lasts long enough to be killed in.
  const slowId = await createSlowService(
    docker,
    {
      name: `sgR-slow-${RUN}`,
      test: 'maintenance-crash',
      graceSeconds: 8,
      replicas: 2,
      constraints: ['node.role==worker'],
    },
    services,
  );
  await waitForRunning(docker, slowId, 2);
  await workers.stopAll();
  const first = await workers.start('third');
  const since = Math.floor(Date.now() / 1000) - 1;
  const job = dataOf(
    await gql<{ startMaintenance: MaintenanceJob }>(lab.app, operator, START, {
      input: { swarm: 'alpha', role: 'WORKER', pauseSeconds: 1, timeoutSeconds: 120 },
    }),
  ).startMaintenance;
  await untilJob(
    job.id,
    'alpha-w1 draining',
    (current) =>
      current.maintenanceNodes.some(
        (node) =>
          node.hostname === 'alpha-w1' && node.state === 'DRAINING' && /tasks left/.test(node.message ?? ''),
      ) || /tasks left alpha-w1/.test(current.progress.message ?? ''),
  );
  assert.equal(await availabilityOf('alpha-w1'), 'drain');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  await workers.start('fourth');
  const ended = await untilJobEnds<MaintenanceJob>(lab.app, operator, MAINTENANCE_JOB, job.id, {
    timeoutMs: 240_000,
    intervalMs: 300,
    showJob: true,
  });
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  assert.ok(ended.attempts >= 2, `resumed: ${ended.attempts} attempts`);
  const drains = await drainsPerNode(docker, since, Math.ceil(Date.now() / 1000) + 1);
  assert.deepEqual(Object.fromEntries([...drains.entries()].sort()), { 'alpha-w1': 1, 'alpha-w2': 1 });
  await assertAlphaActive(lab.inventory);
  // The drain requested by the killed worker is ended by the next one: one operation per node, paired.
  const steps = [...stepsOf(await stepEvents(lab.app, lab.tokens.redAdmin, job.id)).entries()].filter(
    ([key]) => key.startsWith('node.drain '),
  );
  assert.deepEqual(steps.map(([key, outcomes]) => `${key.split(' ')[1]}: ${outcomes.join(',')}`).sort(), [
    'alpha-w1: REQUESTED,SUCCEEDED',
    'alpha-w2: REQUESTED,SUCCEEDED',
  ]);
});
