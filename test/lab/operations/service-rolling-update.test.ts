// Rolling updates against the lab's beta swarm: progress per task over jobUpdated up to 100 with Docker's
// UpdateStatus completed, IMAGE_MISSING naming the nodes that lack the image, and rollbacks to the previous spec.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerNode, DockerService, DockerTask } from '../../../src/docker/types.ts';
import type { JobOutcome, Processor } from '../../../src/jobs/processor.ts';
import { serviceRollbackProcessor } from '../../../src/jobs/processors/service-rollback.ts';
import { serviceUpdateProcessor } from '../../../src/jobs/processors/service-update.ts';
import {
  failedJobLogLines,
  resumedContext,
  SERVICE_JOB_FIELDS as JOB_FIELDS,
  TERMINAL,
  untilJobEnds,
  type JobProgress as Progress,
  type ServiceJob as JobView,
} from '../../helpers/jobs.ts';
import { dockerFor, labEngine } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const suffix = randomBytes(3).toString('hex');
const NAME = `sgt-roll-${suffix}`;
/** A service whose tasks exit 3 when FAIL=1 is in their environment: updates that fail on purpose. */
const FRAGILE = `sgt-fragile-${suffix}`;
const REPLICAS = 4;

let lab: RedBlue;
let docker: Docker;
let operator: string;
let wsUrl: string;
let awayFromSpares: string[];
const sockets: GraphqlWsClient[] = [];

before(async () => {
  lab = await setupRedBlue();
  docker = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  // Olivia, operator of blue (beta's tenant), through the chatops bot.
  operator = tokenFor('blue', ['operator'], { sub: 'olivia', act: { sub: 'chatops-bot' } });
  // Tasks stay off the lab's spare engines: another engineer's test may join one to beta and make it leave
  // again mid-update, which would fail the tasks placed on it and pause the update.
  awayFromSpares = lab.inventory.engines
    .filter((engine) => engine.swarm === null)
    .map((engine) => `node.hostname!=${engine.name}`);
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
});

after(async () => {
  for (const socket of sockets) socket.terminate();
  // The service is removed even when a test failed half-way.
  for (const name of [NAME, FRAGILE]) {
    await docker
      ?.getService(name)
      .remove()
      .catch(() => undefined);
  }
  await lab?.subject.close();
});

async function mutate(field: string, inputType: string, input: Record<string, unknown>): Promise<JobView> {
  const answer = await gql<Record<string, JobView>>(
    lab.app,
    operator,
    `mutation ($input: ${inputType}!) { ${field}(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'beta', reason: 'rolling update test', ...input } },
  );
  return dataOf(answer)[field]!;
}

/** Polls job(id) every 100 ms until it ends; every progress seen is recorded. */
const untilEnded = (id: string, timeoutMs: number, seen: Progress[] = []): Promise<JobView> =>
  untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, {
    timeoutMs,
    intervalMs: 100,
    onRead: (job) => seen.push(job.progress),
    showJob: true,
  });

/** Subscribes to jobUpdated(id) over graphql-transport-ws; the progress delivered so far, whenever asked. */
async function watchJob(id: string): Promise<() => Progress[]> {
  const socket = await GraphqlWsClient.open(wsUrl);
  sockets.push(socket);
  await socket.init({ authorization: `Bearer ${operator}` });
  socket.subscribe(
    'job',
    `subscription { jobUpdated(id: "${id}") { state progress { percent step message } } }`,
  );
  return () =>
    socket
      .data<{ jobUpdated?: { progress: Progress } | null }>('job')
      .flatMap((data) => (data.jobUpdated?.progress ? [data.jobUpdated.progress] : []));
}

const inspect = async () => (await docker.getService(NAME).inspect()) as DockerService;
const tasksOf = async (service: DockerService) =>
  ((await docker.listTasks({ filters: { service: [service.ID] } })) as DockerTask[]).filter(
    (task) => task.ServiceID === service.ID,
  );
const runningImages = async () => {
  const tasks = await tasksOf(await inspect());
  return tasks
    .filter((task) => task.DesiredState === 'running' && task.Status.State === 'running')
    .map((task) => task.Spec.ContainerSpec?.Image)
    .sort();
};

test('createService starts a 4-replica service on probe:1 and succeeds once every task runs', async () => {
  const started = Date.now();
  const job = await mutate('createService', 'CreateServiceInput', {
    name: NAME,
    image: 'swarmgate/probe:1',
    replicas: REPLICAS,
    updateConfig: { parallelism: 1, delaySeconds: 1 },
    constraints: awayFromSpares,
  });
  assert.equal(job.type, 'service.create');
  const ended = await untilEnded(job.id, 90_000);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  console.log(`createService: ${REPLICAS} replicas running after ${Date.now() - started} ms`);
  assert.deepEqual(await runningImages(), Array<string>(REPLICAS).fill('swarmgate/probe:1'));
  // The job names the service it made (its result; the job's target is what the request resolved: the name).
  assert.equal((JSON.parse(ended.result ?? '{}') as { serviceId: string }).serviceId, (await inspect()).ID);
  assert.equal(ended.target.serviceName, NAME);
});

test('a rolling update to probe:2 with parallelism 1 reports rising progress per task up to 100 and ends with UpdateStatus completed', async () => {
  const started = Date.now();
  const job = await mutate('updateService', 'UpdateServiceInput', {
    service: NAME,
    image: 'swarmgate/probe:2',
    updateConfig: { parallelism: 1, delaySeconds: 1 },
  });
  assert.equal(job.type, 'service.update');
  const polled: Progress[] = [];
  const delivered = await watchJob(job.id);
  const ended = await untilEnded(job.id, 180_000, polled);
  const took = Date.now() - started;
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  // The last jobUpdated may trail the poll that saw the end by a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pushed = delivered();

  const pushedPercents = [...new Set(pushed.map((progress) => progress.percent))];
  const polledPercents = [...new Set(polled.map((progress) => progress.percent))];
  console.log(
    `updateService probe:1 → probe:2 (${REPLICAS} replicas, parallelism 1, delay 1 s): ${took} ms; ` +
      `progress over jobUpdated: ${pushedPercents.join(', ')}; polled: ${polledPercents.join(', ')}`,
  );
  for (const percents of [pushedPercents, polledPercents]) {
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'progress never goes back',
    );
  }
  assert.ok(
    pushedPercents.length >= 3,
    `several distinct steps over the subscription: ${pushedPercents.join(', ')}`,
  );
  assert.equal(pushedPercents.at(-1), 100);
  assert.ok(
    pushedPercents.some((percent) => percent > 0 && percent < 100),
    'intermediate progress was reported',
  );
  assert.ok(
    pushed.some(
      (progress) =>
        progress.step === 'updating' && /\d+\/4 tasks of the new spec running/.test(progress.message ?? ''),
    ),
    `progress messages carry the task counts: ${JSON.stringify(pushed)}`,
  );
  assert.equal(ended.progress.percent, 100);

  const service = await inspect();
  assert.equal(service.UpdateStatus?.State, 'completed');
  assert.equal(service.Spec.TaskTemplate.ContainerSpec?.Image, 'swarmgate/probe:2');
  assert.deepEqual(await runningImages(), Array<string>(REPLICAS).fill('swarmgate/probe:2'));
  assert.deepEqual(JSON.parse(ended.result ?? '{}'), {
    serviceId: service.ID,
    changed: true,
    fromImage: 'swarmgate/probe:1',
    image: 'swarmgate/probe:2',
    updateState: 'completed',
  });
});

test('the same update again changes nothing and succeeds at once', async () => {
  const before = (await inspect()).Version.Index;
  const job = await mutate('updateService', 'UpdateServiceInput', {
    service: NAME,
    image: 'swarmgate/probe:2',
  });
  const ended = await untilEnded(job.id, 30_000);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  assert.equal((JSON.parse(ended.result ?? '{}') as { changed: boolean }).changed, false);
  assert.equal((await inspect()).Version.Index, before, 'no update was sent to Docker');
});

test('rollbackService brings probe:1 back and ends with UpdateStatus rollback_completed', async () => {
  const started = Date.now();
  const job = await mutate('rollbackService', 'RollbackServiceInput', { service: NAME });
  assert.equal(job.type, 'service.rollback');
  const ended = await untilEnded(job.id, 180_000);
  console.log(`rollbackService probe:2 → probe:1: ${Date.now() - started} ms`);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  const service = await inspect();
  assert.equal(service.UpdateStatus?.State, 'rollback_completed');
  assert.equal(service.Spec.TaskTemplate.ContainerSpec?.Image, 'swarmgate/probe:1');
  assert.equal(service.PreviousSpec?.TaskTemplate.ContainerSpec?.Image, 'swarmgate/probe:2');
  assert.deepEqual(await runningImages(), Array<string>(REPLICAS).fill('swarmgate/probe:1'));
});

/**
 * Runs an ended job's processor once more with the job's stored record and input, as a worker does when it
 * resumes a job whose first worker died (kill -9) after the change was sent to Docker.
 */
async function runAgain<T extends 'service.update' | 'service.rollback'>(
  jobId: string,
  processor: Processor<T>,
): Promise<JobOutcome> {
  return processor(await resumedContext<T>(lab.app, jobId));
}

test('a resumed rollback job does not roll back the rollback, and a resumed update does not update again', async () => {
  const rollbacks = await gql<{ jobs: { items: { id: string; type: string }[] } }>(
    lab.app,
    operator,
    '{ jobs(filter: { type: "service.rollback", swarm: "beta" }) { items { id type } } }',
  );
  const rollbackJob = dataOf(rollbacks).jobs.items[0];
  assert.ok(rollbackJob);
  const before = await inspect();
  const outcome = await runAgain(rollbackJob.id, serviceRollbackProcessor);
  assert.equal((outcome.result as { changed: boolean }).changed, false);
  const after = await inspect();
  assert.equal(
    after.Spec.TaskTemplate.ContainerSpec?.Image,
    'swarmgate/probe:1',
    'still rolled back to probe:1',
  );
  assert.equal(after.Version.Index, before.Version.Index, 'nothing was sent to Docker');

  const updates = await gql<{ jobs: { items: { id: string }[] } }>(
    lab.app,
    operator,
    '{ jobs(filter: { type: "service.update", swarm: "beta" }) { items { id } } }',
  );
  // The first update (probe:1 → probe:2) was rolled back since: running it again must not apply it again.
  const firstUpdate = dataOf(updates).jobs.items.at(-1);
  assert.ok(firstUpdate);
  await assert.rejects(
    runAgain(firstUpdate.id, serviceUpdateProcessor),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UPDATE_ROLLED_BACK');
      assert.match(error.message, /Docker rolled the service back to its previous spec/);
      return true;
    },
  );
  assert.equal((await inspect()).Version.Index, before.Version.Index, 'the update was not sent again');
});

test('an update to an image no node has fails with IMAGE_MISSING naming the nodes, in bounded time', async () => {
  const started = Date.now();
  const job = await mutate('updateService', 'UpdateServiceInput', {
    service: NAME,
    image: 'swarmgate/probe:404',
    updateConfig: { parallelism: 1, delaySeconds: 1, failureAction: 'PAUSE' },
  });
  const ended = await untilEnded(job.id, 60_000);
  const took = Date.now() - started;
  console.log(
    `updateService to swarmgate/probe:404: ${ended.state} ${ended.errorCode} after ${took} ms: ${ended.errorMessage}`,
  );
  assert.equal(ended.state, 'FAILED', JSON.stringify(ended));
  assert.equal(ended.errorCode, 'IMAGE_MISSING');
  assert.ok(took < 45_000, `IMAGE_MISSING within 45 s (took ${took} ms)`);
  assert.match(ended.errorMessage ?? '', /swarmgate\/probe:404/);

  // The nodes named are beta's nodes where Docker really rejected a task of the new spec with "No such image".
  const service = await inspect();
  const nodes = (await docker.listNodes()) as DockerNode[];
  const hostnameOf = new Map(nodes.map((node) => [node.ID, node.Description?.Hostname ?? '']));
  const rejectedOn = new Set(
    (await tasksOf(service))
      .filter((task) => task.Status.State === 'rejected' && /No such image/.test(task.Status.Err ?? ''))
      .map((task) => hostnameOf.get(task.NodeID ?? '')),
  );
  const named = /missing on node\(s\) ([^:]+):/.exec(ended.errorMessage ?? '')?.[1]?.split(', ') ?? [];
  assert.ok(named.length > 0, `the message names nodes: ${ended.errorMessage}`);
  for (const hostname of named) {
    assert.ok(
      rejectedOn.has(hostname),
      `${hostname} rejected a task (rejected on: ${[...rejectedOn].join(', ')})`,
    );
  }
  assert.equal(service.UpdateStatus?.State, 'paused', 'Docker paused the update (failure action PAUSE)');
});

test('rolling back the paused update restores probe:1 on every task, even with a second worker resuming the job mid-way', async () => {
  const job = await mutate('rollbackService', 'RollbackServiceInput', { service: NAME });
  // While Docker rolls back, the same job runs a second time (a worker that took over a job it thought dead):
  // a second rollback would flip the service to probe:404 again.
  const deadline = Date.now() + 30_000;
  while ((await inspect()).UpdateStatus?.State !== 'rollback_started') {
    assert.ok(Date.now() < deadline, 'Docker started rolling back');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const resumed = runAgain(job.id, serviceRollbackProcessor);
  const ended = await untilEnded(job.id, 180_000);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  assert.equal(
    ((await resumed).result as { changed: boolean }).changed,
    false,
    'the resumed run sent nothing',
  );
  const service = await inspect();
  assert.equal(service.UpdateStatus?.State, 'rollback_completed');
  assert.equal(service.Spec.TaskTemplate.ContainerSpec?.Image, 'swarmgate/probe:1');
  assert.deepEqual(await runningImages(), Array<string>(REPLICAS).fill('swarmgate/probe:1'));
});

test('removeService removes it; Docker no longer knows it', async () => {
  const job = await mutate('removeService', 'RemoveServiceInput', { service: NAME });
  const ended = TERMINAL.has(job.state) ? job : await untilEnded(job.id, 30_000);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  await assert.rejects(inspect(), (error: { statusCode?: number }) => error.statusCode === 404);
});

const fragileSpec = async () => (await docker.getService(FRAGILE).inspect()) as DockerService;

/**
 * The failed job's outcome event carries its code and message and names the service; the worker logged the
 * failure, but not at error level (that is for bugs).
 */
async function assertFailureAudited(ended: JobView, code: string): Promise<void> {
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: {
          jobId: string | null;
          errorCode: string | null;
          errorMessage: string | null;
          target: { serviceId: string | null; serviceName: string | null };
        }[];
      };
    }>(
      lab.app,
      tokenFor('blue', ['admin']),
      `query ($service: String) { auditEvents(filter: { service: $service, outcome: FAILED }) {
        items { jobId errorCode errorMessage target { serviceId serviceName } } } }`,
      { service: FRAGILE },
    ),
  ).auditEvents.items;
  const event = events.find((candidate) => candidate.jobId === ended.id);
  assert.deepEqual(event, {
    jobId: ended.id,
    errorCode: code,
    errorMessage: ended.errorMessage,
    target: { serviceId: ended.target.serviceId, serviceName: FRAGILE },
  });
  const logged = await failedJobLogLines(ended.id);
  assert.deepEqual(
    logged.filter((line) => line.level >= 50).map((line) => line.msg),
    [],
    'nothing logged at error level',
  );
  assert.equal(logged.find((line) => line.msg === 'job failed')?.errorCode, code);
}

test('an update whose tasks fail is FAILED with the paused state and Docker’s message naming the failed task', async () => {
  const created = await mutate('createService', 'CreateServiceInput', {
    name: FRAGILE,
    image: 'swarmgate/probe:1',
    replicas: 2,
    args: ['sh', '-c', `[ "$FAIL" = 1 ] && exit 3; trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done`],
    updateConfig: { parallelism: 1, monitorSeconds: 2 },
    constraints: awayFromSpares,
  });
  assert.equal((await untilEnded(created.id, 60_000)).state, 'SUCCEEDED');

  const started = Date.now();
  const job = await mutate('updateService', 'UpdateServiceInput', {
    service: FRAGILE,
    env: ['FAIL=1'],
    updateConfig: { failureAction: 'PAUSE' },
  });
  const ended = await untilEnded(job.id, 120_000);
  console.log(
    `update with failing tasks (PAUSE): ${ended.state} after ${Date.now() - started} ms: ${ended.errorMessage}`,
  );
  assert.equal(ended.state, 'FAILED', JSON.stringify(ended));
  assert.equal(ended.errorCode, 'UPDATE_PAUSED', 'a paused update, not an internal error');
  const service = await fragileSpec();
  assert.equal(service.UpdateStatus?.State, 'paused');
  assert.ok(service.UpdateStatus?.Message, 'Docker gave a message');
  assert.ok(
    ended.errorMessage?.includes(service.UpdateStatus.Message),
    'the job carries Docker’s message as is',
  );
  assert.match(ended.errorMessage ?? '', /Docker paused the rolling update/);
  assert.match(ended.errorMessage ?? '', /non-zero exit \(3\)/, 'and the failed task’s own error');
  await assertFailureAudited(ended, 'UPDATE_PAUSED');
  // Clients reading the service see the same state and message.
  const answer = await gql<{ swarm: { service: { updateStatus: { state: string; message: string } } } }>(
    lab.app,
    operator,
    `{ swarm(id: "beta") { service(ref: "${FRAGILE}") { updateStatus { state message } } } }`,
  );
  assert.deepEqual(dataOf(answer).swarm.service.updateStatus, {
    state: 'PAUSED',
    message: service.UpdateStatus.Message,
  });

  const rollback = await mutate('rollbackService', 'RollbackServiceInput', { service: FRAGILE });
  assert.equal((await untilEnded(rollback.id, 120_000)).state, 'SUCCEEDED');
  assert.equal((await fragileSpec()).Spec.TaskTemplate.ContainerSpec?.Env, undefined);
});

test('an update Docker rolls back by itself (failure action ROLLBACK) is FAILED saying so', async () => {
  const started = Date.now();
  const job = await mutate('updateService', 'UpdateServiceInput', {
    service: FRAGILE,
    env: ['FAIL=1'],
    updateConfig: { failureAction: 'ROLLBACK' },
  });
  const ended = await untilEnded(job.id, 180_000);
  console.log(
    `update with failing tasks (ROLLBACK): ${ended.state} after ${Date.now() - started} ms: ${ended.errorMessage}`,
  );
  assert.equal(ended.state, 'FAILED', JSON.stringify(ended));
  assert.equal(ended.errorCode, 'UPDATE_ROLLED_BACK', 'a rolled-back update, not an internal error');
  assert.match(ended.errorMessage ?? '', /Docker rolled the service back to its previous spec/);
  await assertFailureAudited(ended, 'UPDATE_ROLLED_BACK');
  const service = await fragileSpec();
  assert.equal(service.UpdateStatus?.State, 'rollback_completed');
  assert.ok(service.UpdateStatus.Message, 'Docker gave a message');
  assert.ok(
    ended.errorMessage?.includes(`rollback_completed: ${service.UpdateStatus.Message}`),
    'the job carries Docker’s message as is',
  );
  assert.equal(
    service.Spec.TaskTemplate.ContainerSpec?.Env,
    undefined,
    'the environment is the previous one',
  );

  const removed = await mutate('removeService', 'RemoveServiceInput', { service: FRAGILE });
  assert.equal(
    (TERMINAL.has(removed.state) ? removed : await untilEnded(removed.id, 30_000)).state,
    'SUCCEEDED',
  );
});
