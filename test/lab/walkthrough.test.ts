// The operators' walkthrough, run through the gateway as a chatops bot would (act claim, reasons), on beta with
// spare-1: every step is checked in Docker itself and in the audit log.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerNode, DockerTask } from '../../src/docker/types.ts';
import { dataOf, gql, tokenFor } from '../helpers/graphql.ts';
import { GraphqlWsClient } from '../helpers/graphql-ws.ts';
import { dockerFor, labEngine, waitUntil } from '../helpers/lab.ts';
import { setupRedBlue, tlsEndpointsOf, type RedBlue } from '../helpers/red-blue.ts';

interface Job {
  id: string;
  state: string;
  progress: { percent: number; step: string | null };
  errorCode: string | null;
  errorMessage: string | null;
}
const JOB = 'id state progress { percent step } errorCode errorMessage';

let lab: RedBlue;
let manager: Docker;
let spare: Docker;
let url = '';
const SERVICE = `walkthrough-${Date.now().toString(36)}`;
/** alice, admin of blue, through the chatops bot. */
const bot = () => tokenFor('blue', ['admin'], { sub: 'alice', act: { sub: 'chatops-bot' } });

async function nodeNamed(hostname: string): Promise<DockerNode | undefined> {
  const nodes = (await manager.listNodes()) as DockerNode[];
  return nodes.find((node) => node.Description?.Hostname === hostname);
}

async function waitForJob(id: string, timeoutMs = 120_000): Promise<Job> {
  let last: Job | undefined;
  await waitUntil(
    `job ${id} to end`,
    async () => {
      last = dataOf(
        await gql<{ job: Job }>(lab.app, bot(), `query ($id: ID!) { job(id: $id) { ${JOB} } }`, { id }),
      ).job;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(last.state)
        ? true
        : `${last.state} ${last.progress.percent}%`;
    },
    timeoutMs,
    200,
  );
  return last!;
}

/** Runs a job mutation as the bot, waits for it, and asserts it succeeded. */
async function run(mutation: string, field: string, variables: Record<string, unknown> = {}): Promise<Job> {
  const answer = await gql<Record<string, Job | { job: Job }>>(lab.app, bot(), mutation, variables);
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  const value = answer.data![field]!;
  const job = 'job' in value ? value.job : value;
  const ended = await waitForJob(job.id);
  assert.equal(ended.state, 'SUCCEEDED', `${field}: ${ended.errorCode ?? ''} ${ended.errorMessage ?? ''}`);
  return ended;
}

/** The audit shows the step: requested and succeeded, for alice through the chatops bot, with the reason. */
async function assertAudited(action: string, reason: string): Promise<void> {
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: { outcome: string; reason: string | null; actor: { sub: string; actors: string[] } }[];
      };
    }>(
      lab.app,
      tokenFor('blue', ['viewer']),
      'query ($action: String) { auditEvents(filter: { action: $action, actor: "chatops-bot" }, first: 10) { items { outcome reason actor { sub actors } } } }',
      { action },
    ),
  ).auditEvents.items;
  const outcomes = events.filter((event) => event.reason === reason).map((event) => event.outcome);
  assert.ok(
    outcomes.includes('REQUESTED') && outcomes.includes('SUCCEEDED'),
    `${action}: ${JSON.stringify(events)}`,
  );
  for (const event of events) {
    assert.equal(event.actor.sub, 'alice');
    assert.deepEqual(event.actor.actors, ['chatops-bot']);
  }
}

before(async () => {
  lab = await setupRedBlue();
  manager = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  spare = dockerFor(labEngine(lab.inventory, 'spare-1'));
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
});

after(async () => {
  // Whatever happened, beta goes back to beta-m1 + beta-w1 (active, no labels) and spare-1 to no swarm.
  await manager
    .getService(SERVICE)
    .remove()
    .catch(() => undefined);
  await spare.swarmLeave({ force: true }).catch(() => undefined);
  const left = await nodeNamed('spare-1');
  if (left) {
    if (left.Spec.Role === 'manager') {
      await manager
        .getNode(left.ID)
        .update({ version: left.Version.Index, ...left.Spec, Role: 'worker' })
        .catch(() => undefined);
    }
    await waitUntil(
      'spare-1 Down',
      async () => ((await nodeNamed('spare-1'))?.Status.State === 'down' ? true : 'not down'),
      60_000,
    ).catch(() => undefined);
    await manager
      .getNode(left.ID)
      .remove({ force: true })
      .catch(() => undefined);
  }
  const worker = await nodeNamed('beta-w1');
  if (worker && (worker.Spec.Availability !== 'active' || worker.Spec.Labels?.zone)) {
    const { zone: _zone, ...labels } = worker.Spec.Labels ?? {};
    await manager
      .getNode(worker.ID)
      .update({ version: worker.Version.Index, ...worker.Spec, Availability: 'active', Labels: labels })
      .catch(() => undefined);
  }
  await lab?.subject.close();
});

test('the walkthrough: rotate, join, drain, activate, label, promote, demote, leave, remove', async () => {
  const started = Date.now();
  const step = (name: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1)}s ${name}`);

  // 1. Rotate beta's worker token; beta-w1, already joined, is unaffected.
  const before = ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
  await run(
    'mutation { rotateJoinToken(input: { swarm: "beta", role: WORKER, reason: "walkthrough: rotate" }) { job { id } } }',
    'rotateJoinToken',
  );
  const after = ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
  assert.notEqual(after, before);
  assert.equal((await nodeNamed('beta-w1'))?.Status.State, 'ready');
  await assertAudited('swarm.joinToken.rotate', 'walkthrough: rotate');
  step('rotated the worker token');

  // 2. Join spare-1 to beta as a worker.
  const [spareEndpoint] = tlsEndpointsOf(lab.inventory, ['spare-1']);
  await run(
    'mutation ($endpoint: EngineEndpointInput!) { joinNode(input: { swarm: "beta", endpoint: $endpoint, role: WORKER, reason: "walkthrough: join" }) { id } }',
    'joinNode',
    { endpoint: spareEndpoint },
  );
  const joined = await nodeNamed('spare-1');
  assert.equal(joined?.Status.State, 'ready');
  assert.equal(joined.Spec.Role, 'worker');
  await assertAudited('swarm.join', 'walkthrough: join');
  step('spare-1 joined beta');

  // 3. Drain beta-w1 while it runs tasks: the job ends when they have moved; progress over the subscription.
  await run(
    `mutation { createService(input: { swarm: "beta", name: "${SERVICE}", image: "swarmgate/probe:1", replicas: 4,
       constraints: ["node.hostname!=spare-1"], reason: "walkthrough: workload" }) { id } }`,
    'createService',
  );
  const w1 = (await nodeNamed('beta-w1'))!;
  await waitUntil(
    'tasks on beta-w1',
    async () => {
      const tasks = (await manager.listTasks({
        filters: { node: [w1.ID], 'desired-state': ['running'] },
      })) as DockerTask[];
      return tasks.length > 0 ? true : 'none yet';
    },
    60_000,
  );
  const drain = dataOf(
    await gql<{ setNodeAvailability: Job }>(
      lab.app,
      bot(),
      'mutation { setNodeAvailability(input: { swarm: "beta", node: "beta-w1", availability: DRAIN, reason: "walkthrough: drain" }) { id state } }',
    ),
  ).setNodeAvailability;
  const socket = await GraphqlWsClient.open(url);
  const updates = () =>
    socket
      .data<{ jobUpdated?: Job | null }>('1')
      .flatMap((data) => (data.jobUpdated ? [data.jobUpdated] : []));
  try {
    await socket.init({ authorization: `Bearer ${bot()}` });
    socket.subscribe('1', `subscription ($id: ID!) { jobUpdated(id: $id) { ${JOB} } }`, { id: drain.id });
    const ended = await waitForJob(drain.id);
    assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode ?? ''} ${ended.errorMessage ?? ''}`);
    await waitUntil(
      'the final update over the subscription',
      () => Promise.resolve(updates().some((u) => u.state === 'SUCCEEDED') || 'not yet'),
      5000,
    );
  } finally {
    socket.terminate();
  }
  assert.ok(updates().length > 0, 'progress seen over jobUpdated');
  assert.equal(updates().at(-1)?.progress.percent, 100);
  assert.equal((await nodeNamed('beta-w1'))?.Spec.Availability, 'drain');
  const left = (await manager.listTasks({
    filters: { node: [w1.ID], 'desired-state': ['running'] },
  })) as DockerTask[];
  assert.equal(left.filter((task) => task.Status.State === 'running').length, 0, 'no task runs on beta-w1');
  await assertAudited('node.drain', 'walkthrough: drain');
  step(
    `drained beta-w1 (${updates().length} updates: ${updates()
      .map((u) => u.progress.percent)
      .join(', ')})`,
  );

  // 4. Activate it.
  await run(
    'mutation { setNodeAvailability(input: { swarm: "beta", node: "beta-w1", availability: ACTIVE, reason: "walkthrough: activate" }) { id } }',
    'setNodeAvailability',
  );
  assert.equal((await nodeNamed('beta-w1'))?.Spec.Availability, 'active');
  await assertAudited('node.activate', 'walkthrough: activate');
  step('activated beta-w1');

  // 5. Add label zone=east, then remove it.
  await run(
    'mutation { updateNodeLabels(input: { swarm: "beta", node: "beta-w1", add: [{ key: "zone", value: "east" }], reason: "walkthrough: label" }) { id } }',
    'updateNodeLabels',
  );
  assert.equal((await nodeNamed('beta-w1'))?.Spec.Labels?.zone, 'east');
  await run(
    'mutation { updateNodeLabels(input: { swarm: "beta", node: "beta-w1", remove: ["zone"], reason: "walkthrough: unlabel" }) { id } }',
    'updateNodeLabels',
  );
  assert.equal((await nodeNamed('beta-w1'))?.Spec.Labels?.zone, undefined);
  await assertAudited('node.labels.update', 'walkthrough: label');
  step('labelled and unlabelled beta-w1');

  // 6. Promote spare-1 (two managers is even: force, audited as forced) and demote it again.
  await run(
    'mutation { promoteNode(input: { swarm: "beta", node: "spare-1", force: true, reason: "walkthrough: promote" }) { id } }',
    'promoteNode',
  );
  assert.equal((await nodeNamed('spare-1'))?.Spec.Role, 'manager');
  await assertAudited('node.promote', 'walkthrough: promote');
  await run(
    'mutation { demoteNode(input: { swarm: "beta", node: "spare-1", reason: "walkthrough: demote" }) { id } }',
    'demoteNode',
  );
  assert.equal((await nodeNamed('spare-1'))?.Spec.Role, 'worker');
  await assertAudited('node.demote', 'walkthrough: demote');
  step('promoted and demoted spare-1');

  // 7. spare-1 leaves; 8. it is removed.
  await run(
    'mutation ($endpoint: EngineEndpointInput!) { leaveSwarm(input: { swarm: "beta", node: "spare-1", endpoint: $endpoint, reason: "walkthrough: leave" }) { id } }',
    'leaveSwarm',
    { endpoint: spareEndpoint },
  );
  assert.equal((await nodeNamed('spare-1'))?.Status.State, 'down');
  await assertAudited('swarm.leave', 'walkthrough: leave');
  await run(
    'mutation { removeNode(input: { swarm: "beta", node: "spare-1", reason: "walkthrough: remove" }) { id } }',
    'removeNode',
  );
  assert.equal(await nodeNamed('spare-1'), undefined);
  await assertAudited('node.remove', 'walkthrough: remove');
  step('spare-1 left and was removed');
});
