// A drain survives its worker being killed (-9) mid-way: a second worker process resumes the job, which ends
// SUCCEEDED after two attempts, with one outcome event, and the node's availability was changed exactly once.
// The gateway here only enqueues (SWARMGATE_WORKER=off); the workers are `src/worker.ts` child processes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerNode, DockerTask } from '../../../src/docker/types.ts';
import { isolatedRedisUrl, type JobProgress, type NodeJob } from '../../helpers/jobs.ts';
import {
  createSlowService as createSlowServiceOn,
  dockerFor,
  labEngine,
  nodeByHostname,
  removeServices,
  runningOn as runningOnNode,
  setActive as setNodeActive,
  waitUntil,
} from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';
import { workerProcesses, type WorkerProcesses } from '../../helpers/worker-process.ts';

const NODE = 'alpha-w1';
const RUN = randomUUID().slice(0, 6);
const JOB = `id type state progress { percent step message } attempts errorCode errorMessage result operationId
  target { nodeId nodeName }`;

/** A node job without `forced`, which this file does not ask for. */
interface Job extends Omit<NodeJob, 'forced'> {
  progress: JobProgress;
}

let lab: RedBlue;
let workers: WorkerProcesses;
let operator: string;
const services: string[] = [];

const manager = (): Docker => dockerFor(labEngine(lab.inventory, 'alpha-m1'));

const inspectNode = (): Promise<DockerNode> => nodeByHostname(manager(), NODE, 'alpha');
const runningOn = (nodeId: string, serviceIds: string[]): Promise<DockerTask[]> =>
  runningOnNode(manager(), nodeId, serviceIds);
const setActive = (): Promise<void> => setNodeActive(manager(), NODE, 'alpha');

/** Containers that ignore SIGTERM: each task takes `graceSeconds` to stop, so the drain lasts long enough. */
const createSlowService = (name: string, graceSeconds: number): Promise<string> =>
  createSlowServiceOn(
    manager(),
    { name, test: 'nodes-crash', graceSeconds, replicas: 2, constraints: ['node.role==worker'] },
    services,
  );

async function getJob(id: string): Promise<Job> {
  return dataOf(
    await gql<{ job: Job }>(lab.app, operator, `query ($id: ID!) { job(id: $id) { ${JOB} } }`, { id }),
  ).job;
}

/** Node events of alpha between two times (seconds), as `docker events --filter type=node` shows them. */
async function nodeEvents(since: number, until: number) {
  const stream = await manager().getEvents({ since, until, filters: { type: ['node'] } });
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map(
      (line) =>
        JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } },
    );
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl(), SWARMGATE_WORKER: 'off' });
  workers = workerProcesses(lab.subject.db, 'worker');
  operator = tokenFor('red', ['operator'], { sub: 'olivia' });
});

after(async () => {
  try {
    await workers.stopAll();
    await removeServices(manager(), services);
  } finally {
    try {
      await setActive();
    } finally {
      await lab?.subject.close();
    }
  }
});

test('a drain whose worker is killed -9 mid-way is resumed by another worker: drained once, one outcome', async () => {
  const node = await inspectNode();
  assert.equal(node.Spec.Availability, 'active', `${NODE} starts active`);
  const ids = [
    await createSlowService(`sg-crash-a-${RUN}`, 6),
    await createSlowService(`sg-crash-b-${RUN}`, 14),
  ];
  await waitUntil(
    'each service to run a task on alpha-w1',
    async () => {
      const running = (await runningOn(node.ID, ids)).filter((task) => task.Status.State === 'running');
      return new Set(running.map((task) => task.ServiceID)).size === 2 || `${running.length} running`;
    },
    60_000,
  );
  const first = await workers.start('first');
  const since = Math.floor(Date.now() / 1000) - 1;

  const started = Date.now();
  const job = dataOf(
    await gql<{ setNodeAvailability: Job }>(
      lab.app,
      operator,
      `mutation ($input: SetNodeAvailabilityInput!) { setNodeAvailability(input: $input) { ${JOB} } }`,
      { input: { swarm: 'alpha', node: NODE, availability: 'DRAIN', reason: 'crash test' } },
    ),
  ).setNodeAvailability;

  // Mid-way: the job runs and the node is drained already, while its tasks are still stopping.
  await waitUntil(
    'the job to run with the node set to drain',
    async () => {
      const [current, seen] = await Promise.all([getJob(job.id), inspectNode()]);
      return (
        (current.state === 'RUNNING' &&
          current.progress.step === 'draining' &&
          seen.Spec.Availability === 'drain') ||
        `job ${current.state} ${current.progress.step ?? ''}, node ${seen.Spec.Availability}`
      );
    },
    30_000,
    100,
  );
  const atKill = await inspectNode();
  const tasksAtKill = (await runningOn(node.ID, ids)).length;
  assert.ok(tasksAtKill > 0, 'tasks were still running when the worker was killed');
  const killedAt = Date.now();
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const beforeRestart = await getJob(job.id);
  assert.equal(beforeRestart.state, 'RUNNING', 'nobody ends the job while no worker runs');

  await workers.start('second');
  const restartedAt = Date.now();
  let ended: Job | undefined;
  await waitUntil(
    'the resumed job to end',
    async () => {
      ended = await getJob(job.id);
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(ended.state) || `job ${ended.state}`;
    },
    120_000,
    200,
  );
  assert.ok(ended);
  const endedAt = Date.now();
  console.log(
    `crash test: drain running after ${killedAt - started} ms (${tasksAtKill} tasks left) → kill -9 → second ` +
      `worker ready ${restartedAt - killedAt} ms later → job ${ended.state} ${endedAt - restartedAt} ms after that ` +
      `(attempts ${ended.attempts}, ${endedAt - started} ms in all)`,
  );
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  assert.ok(ended.attempts >= 2, `resumed: ${ended.attempts} attempts`);
  assert.equal(
    (JSON.parse(ended.result ?? '{}') as { changed: boolean }).changed,
    false,
    'the resumed attempt found it drained',
  );
  assert.deepEqual(
    (await runningOn(node.ID, ids)).map((task) => task.ID),
    [],
    'no task runs on the node when the job ends',
  );

  // The node was set to drain exactly once: one availability change in Docker's events, no write since the kill.
  const finalNode = await inspectNode();
  assert.equal(finalNode.Spec.Availability, 'drain');
  assert.equal(
    finalNode.Version.Index,
    atKill.Version.Index,
    'the node was not written again after the kill',
  );
  const changes = (await nodeEvents(since, Math.ceil(Date.now() / 1000) + 1)).filter(
    (event) => event.Actor.ID === node.ID && event.Actor.Attributes['availability.new'],
  );
  assert.deepEqual(
    changes.map((event) => event.Actor.Attributes['availability.new']),
    ['drain'],
    'one availability change: to drain',
  );

  // One requested and exactly one outcome event for the operation, though two workers ran it.
  const events = dataOf(
    await gql<{ auditEvents: { items: { outcome: string; jobId: string | null }[] } }>(
      lab.app,
      lab.tokens.redAdmin,
      'query ($op: ID) { auditEvents(filter: { operationId: $op }) { items { outcome jobId } } }',
      { op: ended.operationId },
    ),
  ).auditEvents.items;
  assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
});
