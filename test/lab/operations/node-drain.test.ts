// setNodeAvailability against the lab: draining alpha-w1 is a job that ends only when no task runs on it, with
// progress over jobUpdated; pause and activate answer done; a drain that cannot finish in time fails saying why.
// The services made here are removed and alpha-w1 is set active again, also when a test fails.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerNode, DockerTask } from '../../../src/docker/types.ts';
import {
  failedJobLogLines,
  isolatedRedisUrl,
  NODE_JOB_FIELDS,
  untilJobEnds,
  type JobProgress,
  type NodeJob,
} from '../../helpers/jobs.ts';
import {
  createSlowService as createSlowServiceOn,
  dockerFor,
  labEngine,
  nodeByHostname,
  removeServices as removeServicesOn,
  runningOn as runningOnNode,
  setActive as setNodeActive,
  waitUntil,
} from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const NODE = 'alpha-w1';
const RUN = randomUUID().slice(0, 6);
const JOB = `${NODE_JOB_FIELDS} progress { percent step message } reason requestedBy { sub actors source }`;
const SET = `mutation ($input: SetNodeAvailabilityInput!) { setNodeAvailability(input: $input) { ${JOB} } }`;

interface Job extends NodeJob {
  progress: JobProgress;
  reason: string | null;
  requestedBy: { sub: string; actors: string[]; source: string };
}

let lab: RedBlue;
let url: string;
const services: string[] = [];
/** alice, operator of red, acting through the chatops bot. */
const bot = () => tokenFor('red', ['operator'], { sub: 'alice', act: { sub: 'chatops-bot' } });

const manager = (): Docker => dockerFor(labEngine(lab.inventory, 'alpha-m1'));

const inspectNode = (): Promise<DockerNode> => nodeByHostname(manager(), NODE, 'alpha');

/** Tasks that run on the node: desired running, or running still (being stopped). */
const runningOn = (nodeId: string, serviceIds?: string[]): Promise<DockerTask[]> =>
  runningOnNode(manager(), nodeId, serviceIds);

/**
 * A service whose containers ignore SIGTERM, so each of its tasks takes `graceSeconds` to stop: three of them with
 * different grace periods make a drain end in visible steps.
 */
const createSlowService = (name: string, graceSeconds: number, replicas: number, constraints: string[]) =>
  createSlowServiceOn(
    manager(),
    {
      name,
      test: 'nodes-drain',
      graceSeconds,
      replicas,
      constraints,
      restartPolicy: { Condition: 'any', Delay: 1e9 },
    },
    services,
  );

const setActive = (): Promise<void> => setNodeActive(manager(), NODE, 'alpha');
const removeServices = (): Promise<void> => removeServicesOn(manager(), services);

const waitForJob = (id: string, token: string, timeoutMs = 120_000): Promise<Job> =>
  untilJobEnds<Job>(lab.app, token, JOB, id, { timeoutMs, intervalMs: 200 });

/** Subscribes to jobUpdated(id) over graphql-transport-ws and records every update. */
async function watchJob(id: string, token: string) {
  const socket = await GraphqlWsClient.open(url);
  await socket.init({ authorization: `Bearer ${token}` });
  socket.subscribe('job', `subscription ($id: ID!) { jobUpdated(id: $id) { ${JOB} } }`, { id });
  return {
    get updates(): Job[] {
      return socket.data<{ jobUpdated: Job }>('job').map((data) => data.jobUpdated);
    },
    until: (predicate: (job: Job) => boolean, timeoutMs: number) =>
      socket.nextData<{ jobUpdated: Job }>('job', (data) => predicate(data.jobUpdated), timeoutMs),
    close: () => socket.terminate(),
  };
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
});

after(async () => {
  try {
    await removeServices();
  } finally {
    try {
      await setActive();
    } finally {
      await lab?.subject.close();
    }
  }
});

test('draining alpha-w1 ends only when no task runs on it, with progress rising over jobUpdated; audited', async (t) => {
  t.after(setActive);
  const node = await inspectNode();
  assert.equal(node.Spec.Availability, 'active', `${NODE} starts active`);
  // Two replicas each, spread over the two workers: one task of each service on alpha-w1.
  const ids = [
    await createSlowService(`sg-drain-a-${RUN}`, 1, 2, ['node.role==worker']),
    await createSlowService(`sg-drain-b-${RUN}`, 4, 2, ['node.role==worker']),
    await createSlowService(`sg-drain-c-${RUN}`, 7, 2, ['node.role==worker']),
  ];
  await waitUntil(
    'each service to run a task on alpha-w1',
    async () => {
      const running = (await runningOn(node.ID, ids)).filter((task) => task.Status.State === 'running');
      const covered = new Set(running.map((task) => task.ServiceID));
      return covered.size === 3 || `${covered.size} of 3 services run on ${NODE}`;
    },
    60_000,
  );
  const before = (await runningOn(node.ID, ids)).length;

  const started = Date.now();
  const job = dataOf(
    await gql<{ setNodeAvailability: Job }>(lab.app, bot(), SET, {
      input: { swarm: 'alpha', node: NODE, availability: 'DRAIN', reason: 'kernel upgrade' },
    }),
  ).setNodeAvailability;
  const answeredMs = Date.now() - started;
  assert.ok(['QUEUED', 'RUNNING'].includes(job.state), `a drain answers before it ends: ${job.state}`);
  assert.equal(job.type, 'node.drain');
  assert.equal(job.target.nodeName, NODE);
  assert.equal(job.target.nodeId, node.ID);
  const watch = await watchJob(job.id, bot());
  t.after(watch.close);
  await watch.until((update) => update.state === 'SUCCEEDED' || update.state === 'FAILED', 90_000);
  const tookMs = Date.now() - started;

  const ended = await waitForJob(job.id, bot());
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  // Ended only when nothing runs there any more: seen through Docker right after.
  assert.deepEqual(
    (await runningOn(node.ID)).map((task) => `${task.ID} ${task.Status.State}/${task.DesiredState}`),
    [],
  );
  assert.equal((await inspectNode()).Spec.Availability, 'drain', 'docker node inspect: Availability drain');
  // The slowest task ignores SIGTERM for 7 s: a job that ended sooner did not wait for it.
  assert.ok(tookMs >= 6000, `the drain waited for the slowest task (${tookMs} ms)`);

  const percents = watch.updates
    .filter((update) => update.progress.step === 'draining')
    .map((u) => u.progress);
  const sequence = watch.updates.map((update) => `${update.state}:${update.progress.percent}`);
  console.log(
    `drain of ${NODE} with ${before} tasks: answered in ${answeredMs} ms, ended in ${tookMs} ms; ` +
      `jobUpdated: ${sequence.join(' ')}`,
  );
  assert.ok(
    percents.some((progress) => progress.percent > 0 && progress.percent < 100),
    `progress between 0 and 100 was seen: ${sequence.join(' ')}`,
  );
  for (let index = 1; index < watch.updates.length; index += 1) {
    assert.ok(
      watch.updates[index]!.progress.percent >= watch.updates[index - 1]!.progress.percent,
      `progress never goes back: ${sequence.join(' ')}`,
    );
  }
  assert.ok(percents.some((progress) => /^\d+ tasks? left$/.test(progress.message ?? '')));
  assert.equal(watch.updates.at(-1)?.progress.percent, 100);
  const result = JSON.parse(ended.result ?? '{}') as { changed: boolean; tasksMoved: number };
  assert.equal(result.changed, true);
  assert.equal(result.tasksMoved, before);

  // The audit says who drained, why, and what happened.
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: {
          outcome: string;
          action: string;
          reason: string | null;
          jobId: string | null;
          actor: { sub: string; actors: string[]; roles: string[]; source: string };
          target: { nodeId: string | null; nodeName: string | null };
        }[];
      };
    }>(
      lab.app,
      lab.tokens.redAdmin,
      `query ($op: ID) { auditEvents(filter: { operationId: $op }) {
        items { outcome action reason jobId actor { sub actors roles source } target { nodeId nodeName } } } }`,
      { op: ended.operationId },
    ),
  ).auditEvents.items;
  assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
  for (const event of events) {
    assert.equal(event.action, 'node.drain');
    assert.equal(event.actor.sub, 'alice');
    assert.deepEqual(event.actor.actors, ['chatops-bot']);
    assert.equal(event.actor.source, 'graphql');
    assert.equal(event.reason, 'kernel upgrade');
  }
  // Both name the node: `requested` as resolved from the swarm before anything changes, the outcome as drained.
  const succeeded = events.find((event) => event.outcome === 'SUCCEEDED');
  assert.equal(succeeded?.jobId, job.id);
  for (const event of events) assert.deepEqual(event.target, { nodeId: node.ID, nodeName: NODE });

  // Draining again changes nothing and ends at once: there is nothing left to move.
  const again = dataOf(
    await gql<{ setNodeAvailability: Job }>(lab.app, bot(), SET, {
      input: { swarm: 'alpha', node: NODE, availability: 'DRAIN' },
    }),
  ).setNodeAvailability;
  const againEnded = await waitForJob(again.id, bot());
  assert.equal(againEnded.state, 'SUCCEEDED');
  assert.equal((JSON.parse(againEnded.result ?? '{}') as { changed: boolean }).changed, false);

  // Activate through REST: answered done (200), seen through Docker.
  const activated = await lab.app.inject({
    method: 'POST',
    url: `/v1/swarms/alpha/nodes/${NODE}/availability`,
    headers: { authorization: `Bearer ${bot()}` },
    payload: { availability: 'ACTIVE', reason: 'upgrade done' },
  });
  assert.equal(activated.statusCode, 200, activated.body);
  assert.equal(activated.json<{ state: string; type: string }>().state, 'SUCCEEDED');
  assert.equal(activated.json<{ type: string }>().type, 'node.activate');
  assert.equal((await inspectNode()).Spec.Availability, 'active');
  await removeServices();
});

test('pause and activate answer with the ended job; a viewer may not; a bad availability is 400', async () => {
  const paused = dataOf(
    await gql<{ setNodeAvailability: Job }>(lab.app, bot(), SET, {
      input: { swarm: 'alpha', node: NODE, availability: 'PAUSE' },
    }),
  ).setNodeAvailability;
  try {
    assert.equal(paused.state, 'SUCCEEDED', `${paused.errorCode}: ${paused.errorMessage}`);
    assert.equal(paused.type, 'node.pause');
    assert.equal((await inspectNode()).Spec.Availability, 'pause');
  } finally {
    const active = dataOf(
      await gql<{ setNodeAvailability: Job }>(lab.app, bot(), SET, {
        input: { swarm: 'alpha', node: NODE, availability: 'ACTIVE' },
      }),
    ).setNodeAvailability;
    assert.equal(active.state, 'SUCCEEDED');
  }
  assert.equal((await inspectNode()).Spec.Availability, 'active');

  const viewer = await gql(lab.app, lab.tokens.redViewer, SET, {
    input: { swarm: 'alpha', node: NODE, availability: 'DRAIN' },
  });
  assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const unknownNode = await gql(lab.app, bot(), SET, {
    input: { swarm: 'alpha', node: 'no-such-node', availability: 'PAUSE' },
  });
  assert.equal(unknownNode.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const badTimeout = await gql(lab.app, bot(), SET, {
    input: { swarm: 'alpha', node: NODE, availability: 'DRAIN', timeoutSeconds: 0 },
  });
  assert.equal(badTimeout.errors?.[0]?.extensions.code, 'BAD_INPUT');
  const rest = await lab.app.inject({
    method: 'POST',
    url: `/v1/swarms/alpha/nodes/${NODE}/availability`,
    headers: { authorization: `Bearer ${bot()}` },
    payload: { availability: 'SLEEP' },
  });
  assert.equal(rest.statusCode, 400, rest.body);
  assert.match(rest.json<{ detail: string }>().detail, /must be one of ACTIVE, PAUSE, DRAIN/);
  assert.equal((await inspectNode()).Spec.Availability, 'active');
});

test('a drain that cannot finish within timeoutSeconds fails saying how many tasks are left and why', async (t) => {
  t.after(setActive);
  const node = await inspectNode();
  const id = await createSlowService(`sg-drain-slow-${RUN}`, 10, 1, [`node.hostname==${NODE}`]);
  await waitUntil(
    'the slow task to run on alpha-w1',
    async () =>
      (await runningOn(node.ID, [id])).some((task) => task.Status.State === 'running') || 'not running yet',
    60_000,
  );
  const response = await lab.app.inject({
    method: 'POST',
    url: `/v1/swarms/alpha/nodes/${NODE}/availability`,
    headers: { authorization: `Bearer ${bot()}` },
    payload: { availability: 'DRAIN', timeoutSeconds: 2, reason: 'timeout test' },
  });
  assert.equal(response.statusCode, 202, response.body);
  assert.equal(response.headers.location, `/v1/jobs/${response.json<{ id: string }>().id}`);
  const ended = await waitForJob(response.json<{ id: string }>().id, bot());
  assert.equal(ended.state, 'FAILED');
  assert.equal(ended.errorCode, 'JOB_TIMEOUT', 'a time-out, not an internal error');
  assert.match(
    ended.errorMessage ?? '',
    /node alpha-w1 is set to drain, but 1 task still running after 2 s: .*timeoutSeconds/,
  );
  // The job's answer, not a bug: logged as a failed job, never at error level.
  const logged = await failedJobLogLines(ended.id);
  assert.deepEqual(
    logged.filter((line) => line.level >= 50).map((line) => line.msg),
    [],
    'nothing logged at error level',
  );
  assert.equal(logged.find((line) => line.msg === 'job failed')?.errorCode, 'JOB_TIMEOUT');
  // The audit's outcome says the same, and names the node.
  const failed = dataOf(
    await gql<{
      auditEvents: {
        items: {
          errorCode: string | null;
          errorMessage: string | null;
          target: { nodeName: string | null };
        }[];
      };
    }>(
      lab.app,
      lab.tokens.redAdmin,
      `query ($op: ID) { auditEvents(filter: { operationId: $op, outcome: FAILED }) {
        items { errorCode errorMessage target { nodeName } } } }`,
      { op: ended.operationId },
    ),
  ).auditEvents.items;
  assert.deepEqual(failed, [
    { errorCode: 'JOB_TIMEOUT', errorMessage: ended.errorMessage, target: { nodeName: NODE } },
  ]);
  await removeServices();
});
