// Rolling maintenance (startMaintenance, continueMaintenance, resumeMaintenance) on alpha: a 4-replica service on
// the workers never drops below 3 running tasks and the managers never below quorum, sampled every 200 ms through
// the Engine API; every node ends Active and Ready, drained exactly once. A step that cannot keep a floor pauses the
// job and leaves the node as it was; a cancel sets the drained node active. Both doors, tenants, roles.
// Teardown: the services made here are removed and every alpha node set Active, also when a test fails.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerNode, DockerService } from '../../../src/docker/types.ts';
import { isolatedRedisUrl, untilJobEnds } from '../../helpers/jobs.ts';
import { removeServices, waitUntil } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import {
  activateAlpha,
  alphaManager,
  assertAlphaActive,
  createProbeService,
  drainsPerNode,
  MAINTENANCE_JOB,
  startSampler,
  stepEvents,
  stepsOf,
  waitForRunning,
  type MaintenanceJob,
} from '../../helpers/maintenance.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const RUN = randomUUID().slice(0, 6);
const WEB = `sgR-web-${RUN}`;
const START = `mutation ($input: StartMaintenanceInput!) { startMaintenance(input: $input) { ${MAINTENANCE_JOB} } }`;
const CONTINUE = `mutation ($input: ContinueMaintenanceInput!) { continueMaintenance(input: $input) { ${MAINTENANCE_JOB} } }`;
const RESUME = `mutation ($input: ResumeMaintenanceInput!) { resumeMaintenance(input: $input) { ${MAINTENANCE_JOB} } }`;

let lab: RedBlue;
let url: string;
let operator: string;
let webId: string;
const services: string[] = [];

const manager = (): Docker => alphaManager(lab.inventory);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

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

const untilEnded = (id: string, timeoutMs: number) =>
  untilJobEnds<MaintenanceJob>(lab.app, operator, MAINTENANCE_JOB, id, {
    timeoutMs,
    intervalMs: 500,
    showJob: true,
  });

async function untilJob(
  id: string,
  what: string,
  predicate: (job: MaintenanceJob) => boolean,
  timeoutMs = 120_000,
) {
  let last: MaintenanceJob | undefined;
  await waitUntil(
    what,
    async () => {
      last = await getJob(id);
      return predicate(last) || `${last.state} ${last.progress.step ?? ''}: ${last.progress.message ?? ''}`;
    },
    timeoutMs,
    300,
  );
  assert.ok(last);
  return last;
}

async function auditOutcomes(operationId: string): Promise<string[]> {
  const events = dataOf(
    await gql<{ auditEvents: { items: { outcome: string; action: string }[] } }>(
      lab.app,
      lab.tokens.redAdmin,
      'query ($op: ID) { auditEvents(filter: { operationId: $op }) { items { outcome action } } }',
      { op: operationId },
    ),
  ).auditEvents.items;
  return events.map((event) => `${event.action}:${event.outcome}`).sort();
}

async function auditOf(action: string): Promise<string[]> {
  const events = dataOf(
    await gql<{ auditEvents: { items: { outcome: string }[] } }>(
      lab.app,
      lab.tokens.redAdmin,
      'query ($action: String) { auditEvents(filter: { action: $action }) { items { outcome } } }',
      { action },
    ),
  ).auditEvents.items;
  return events.map((event) => event.outcome).sort();
}

const replicasOf = async (id: string) =>
  ((await manager().getService(id).inspect()) as DockerService).Spec.Mode?.Replicated?.Replicas;

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
  operator = tokenFor('red', ['operator'], { sub: 'rita' });
  await activateAlpha(lab.inventory);
  webId = await createProbeService(
    manager(),
    { name: WEB, replicas: 4, constraints: ['node.role==worker'] },
    services,
  );
  await waitForRunning(manager(), webId, 4);
});

after(async () => {
  try {
    await removeServices(manager(), services);
  } finally {
    try {
      await activateAlpha(lab.inventory);
    } finally {
      await lab?.subject.close();
    }
  }
});

test('refusals: another tenant NOT_FOUND, a viewer FORBIDDEN, bad input names the field, REST and GraphQL', async () => {
  const input = { swarm: 'alpha', role: 'WORKER', pauseSeconds: 1 };
  const blue = await gql(lab.app, lab.tokens.blueAdmin, START, { input });
  assert.equal(blue.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const viewer = await gql(lab.app, lab.tokens.redViewer, START, { input });
  assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const both = await gql(lab.app, operator, START, { input: { ...input, nodes: ['alpha-w1'] } });
  assert.equal(both.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(both.errors?.[0]?.message ?? '', /exactly one of nodes, role or label/);
  const signalAndPause = await gql(lab.app, operator, START, { input: { ...input, waitForSignal: true } });
  assert.match(signalAndPause.errors?.[0]?.message ?? '', /either pauseSeconds or waitForSignal/);
  const batch = await gql(lab.app, operator, START, { input: { ...input, batchSize: 0 } });
  assert.match(batch.errors?.[0]?.message ?? '', /batchSize/);
  const unknown = await gql(lab.app, operator, START, { input: { swarm: 'alpha', nodes: ['no-such-node'] } });
  assert.equal(unknown.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const label = await gql(lab.app, operator, START, {
    input: { swarm: 'alpha', label: `sgR-none-${RUN}=x` },
  });
  assert.match(label.errors?.[0]?.message ?? '', /label selects no node/);
  const rebalance = await gql(lab.app, operator, START, {
    input: { ...input, rebalance: [`sgR-missing-${RUN}`] },
  });
  assert.equal(rebalance.errors?.[0]?.extensions.code, 'NOT_FOUND');

  // REST: another tenant's swarm is 404 whatever the body; a bad body on one's own swarm is 400.
  const restBlue = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/maintenance',
    headers: bearer(lab.tokens.blueAdmin),
    payload: { role: 'NOBODY' },
  });
  assert.equal(restBlue.statusCode, 404, restBlue.body);
  const restBad = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/maintenance',
    headers: bearer(operator),
    payload: { role: 'NOBODY' },
  });
  assert.equal(restBad.statusCode, 400, restBad.body);
  const restViewer = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/maintenance',
    headers: bearer(lab.tokens.redViewer),
    payload: { role: 'WORKER' },
  });
  assert.equal(restViewer.statusCode, 403, restViewer.body);
  // A dry run answers the plan and changes nothing (no job stored, every node still active).
  const plan = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/maintenance',
    headers: bearer(operator),
    payload: { role: 'WORKER', pauseSeconds: 1, dryRun: true },
  });
  assert.equal(plan.statusCode, 200, plan.body);
  const planned = plan.json<{ dryRun: boolean; plan: { batches: { nodes: string[] }[]; summary: string } }>();
  assert.equal(planned.dryRun, true);
  assert.deepEqual(
    planned.plan.batches.map((batch) => batch.nodes),
    [['alpha-w1'], ['alpha-w2']],
  );
  const graphqlPlan = dataOf(
    await gql<{ startMaintenance: { id: string; plan: string } }>(
      lab.app,
      operator,
      'mutation ($input: StartMaintenanceInput!) { startMaintenance(input: $input) { id plan } }',
      { input: { swarm: 'alpha', role: 'MANAGER', dryRun: true } },
    ),
  ).startMaintenance;
  assert.match(graphqlPlan.id, /^plan:/);
  assert.equal((JSON.parse(graphqlPlan.plan) as { batches: unknown[] }).batches.length, 3);
  // Signals to a job that is not there (or not a maintenance) are NOT_FOUND.
  const ghost = await lab.app.inject({
    method: 'POST',
    url: `/v1/jobs/${randomUUID()}/continue`,
    headers: bearer(operator),
    payload: { node: 'alpha-w1' },
  });
  assert.equal(ghost.statusCode, 404, ghost.body);
  assert.deepEqual(await auditOf('swarm.maintenance').then((all) => all.includes('REFUSED')), true);
  await assertAlphaActive(lab.inventory);
});

test('maintenance of 2 workers and 3 managers (REST, pauseSeconds 1, rebalance): ≥ 3 running, quorum kept', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const sampler = startSampler(lab.inventory, webId);
  let job: MaintenanceJob;
  try {
    const response = await lab.app.inject({
      method: 'POST',
      url: '/v1/swarms/alpha/maintenance',
      headers: bearer(operator),
      payload: {
        // Given order within each role; workers go first whatever the order.
        nodes: ['alpha-m2', 'alpha-w2', 'alpha-m1', 'alpha-w1', 'alpha-m3'],
        pauseSeconds: 1,
        rebalance: [WEB],
        timeoutSeconds: 120,
        reason: 'kernel patch',
      },
    });
    assert.equal(response.statusCode, 202, response.body);
    const started = response.json<{ id: string; type: string }>();
    assert.equal(started.type, 'swarm.maintenance');
    assert.equal(response.headers.location, `/v1/jobs/${started.id}`);
    job = await untilEnded(started.id, 15 * 60_000);
  } finally {
    sampler.stop();
  }
  assert.equal(job.state, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
  assert.deepEqual(
    job.maintenanceNodes.map((node) => `${node.hostname}:${node.role}:${node.state}`),
    [
      'alpha-w2:WORKER:DONE',
      'alpha-w1:WORKER:DONE',
      'alpha-m2:MANAGER:DONE',
      'alpha-m1:MANAGER:DONE',
      'alpha-m3:MANAGER:DONE',
    ],
  );
  for (const node of job.maintenanceNodes)
    assert.ok(node.startedAt && node.endedAt, `${node.hostname} times`);
  assert.equal(job.progress.percent, 100);

  // The samples, taken through the Engine API, never saw the service below desired − 1 nor the managers below 2.
  assert.ok(
    sampler.samples.length >= 50,
    `${sampler.samples.length} samples (errors: ${sampler.errors.join('; ')})`,
  );
  const lowest = Math.min(...sampler.samples.map((sample) => sample.running));
  const fewestManagers = Math.min(...sampler.samples.map((sample) => sample.reachableManagers));
  console.log(
    `maintenance: ${sampler.samples.length} samples, lowest running ${lowest}, fewest reachable managers ` +
      `${fewestManagers}, sampler errors ${sampler.errors.length}`,
  );
  assert.ok(lowest >= 3, `running replicas fell to ${lowest}`);
  assert.ok(fewestManagers >= 2, `reachable managers fell to ${fewestManagers}`);

  // Docker: every node Active and Ready, each drained exactly once; the service at its 4 replicas again.
  await assertAlphaActive(lab.inventory);
  const drains = await drainsPerNode(manager(), since, Math.ceil(Date.now() / 1000) + 1);
  assert.deepEqual(Object.fromEntries([...drains.entries()].sort()), {
    'alpha-m1': 1,
    'alpha-m2': 1,
    'alpha-m3': 1,
    'alpha-w1': 1,
    'alpha-w2': 1,
  });
  assert.equal(await replicasOf(webId), 4);
  const service = (await manager().getService(webId).inspect()) as DockerService;
  assert.ok((service.Spec.TaskTemplate.ForceUpdate ?? 0) >= 5, 'rebalanced after each of the 5 batches');
  assert.deepEqual(await auditOutcomes(job.operationId), [
    'swarm.maintenance:REQUESTED',
    'swarm.maintenance:SUCCEEDED',
  ]);
  // Each step audited as its own operation, on behalf of the requester, naming the job: every node drained once and
  // activated once (requested, then succeeded), every scale-up and rebalance paired with its outcome.
  const steps = stepsOf(await stepEvents(lab.app, lab.tokens.redAdmin, job.id));
  for (const [operation, outcomes] of steps) {
    assert.deepEqual(outcomes, ['REQUESTED', 'SUCCEEDED'], operation);
  }
  const count = (prefix: string) => [...steps.keys()].filter((key) => key.startsWith(prefix)).length;
  for (const name of ['alpha-w1', 'alpha-w2', 'alpha-m1', 'alpha-m2', 'alpha-m3']) {
    assert.equal(count(`node.drain ${name} `), 1, `${name} drained once`);
    assert.equal(count(`node.activate ${name} `), 1, `${name} activated once`);
  }
  assert.equal(count(`service.update ${WEB} `), 5, 'one rebalance per batch');
  assert.ok(count(`service.scale ${WEB} `) >= 2, 'scaled up for the workers and back');
});

test('waitForSignal (GraphQL) with continueMaintenance per node through REST; a signal too early is CONFLICT', async () => {
  const sampler = startSampler(lab.inventory, webId);
  let ended: MaintenanceJob;
  try {
    const job = dataOf(
      await gql<{ startMaintenance: MaintenanceJob }>(lab.app, operator, START, {
        input: {
          swarm: 'alpha',
          nodes: ['alpha-w1', 'alpha-w2', 'alpha-m3'],
          waitForSignal: true,
          timeoutSeconds: 120,
        },
      }),
    ).startMaintenance;
    const released: string[] = [];
    let triedEarly = false;
    for (const hostname of ['alpha-w1', 'alpha-w2', 'alpha-m3']) {
      const waiting = await untilJob(job.id, `${hostname} waiting for its signal`, (current) =>
        current.maintenanceNodes.some(
          (node) => node.hostname === hostname && node.state === 'WAITING_SIGNAL',
        ),
      );
      // Held: the node stays drained until the signal.
      const seen = ((await manager().listNodes()) as DockerNode[]).find(
        (node) => node.Description?.Hostname === hostname,
      );
      assert.equal(seen?.Spec.Availability, 'drain', `${hostname} drained while waiting`);
      if (!triedEarly) {
        triedEarly = true;
        const early = await lab.app.inject({
          method: 'POST',
          url: `/v1/jobs/${job.id}/continue`,
          headers: bearer(operator),
          payload: { node: 'alpha-m3' },
        });
        assert.equal(early.statusCode, 409, early.body);
        // Another tenant's signal to this job: NOT_FOUND.
        const blue = await gql(lab.app, lab.tokens.blueAdmin, CONTINUE, {
          input: { job: job.id, node: hostname },
        });
        assert.equal(blue.errors?.[0]?.extensions.code, 'NOT_FOUND');
        const viewer = await gql(lab.app, lab.tokens.redViewer, CONTINUE, {
          input: { job: job.id, node: hostname },
        });
        assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
      }
      assert.equal(waiting.state, 'RUNNING');
      const signal = await lab.app.inject({
        method: 'POST',
        url: `/v1/jobs/${job.id}/continue`,
        headers: bearer(operator),
        payload: { node: hostname, reason: 'patched' },
      });
      assert.equal(signal.statusCode, 200, signal.body);
      released.push(hostname);
    }
    ended = await untilEnded(job.id, 10 * 60_000);
    assert.deepEqual(released, ['alpha-w1', 'alpha-w2', 'alpha-m3']);
  } finally {
    sampler.stop();
  }
  assert.equal(ended.state, 'SUCCEEDED', `${ended.errorCode}: ${ended.errorMessage}`);
  assert.ok(ended.maintenanceNodes.every((node) => node.state === 'DONE' && node.continuedAt !== null));
  const lowest = Math.min(...sampler.samples.map((sample) => sample.running));
  assert.ok(lowest >= 3, `running replicas fell to ${lowest}`);
  assert.ok(Math.min(...sampler.samples.map((sample) => sample.reachableManagers)) >= 2);
  assert.deepEqual(
    await auditOf('swarm.maintenance.continue').then(
      (all) => all.filter((one) => one === 'SUCCEEDED').length,
    ),
    3,
  );
  await assertAlphaActive(lab.inventory);
  assert.equal(await replicasOf(webId), 4);
});

test('a floor that cannot be kept pauses the job, node untouched; resume retries; cancel leaves all active', async () => {
  // One task pinned to alpha-w1 with a floor of 1: no other node may run it, so alpha-w1 cannot be drained.
  const pinnedName = `sgR-pinned-${RUN}`;
  const pinned = await createProbeService(
    manager(),
    { name: pinnedName, replicas: 1, constraints: ['node.hostname==alpha-w1'] },
    services,
  );
  await waitForRunning(manager(), pinned, 1);
  const job = dataOf(
    await gql<{ startMaintenance: MaintenanceJob }>(lab.app, operator, START, {
      input: {
        swarm: 'alpha',
        nodes: ['alpha-w1'],
        pauseSeconds: 1,
        minAvailable: [{ service: pinnedName, replicas: 1 }],
        timeoutSeconds: 3,
      },
    }),
  ).startMaintenance;
  const paused = await untilJob(job.id, 'the job paused', (current) => current.progress.step === 'paused');
  assert.equal(paused.state, 'RUNNING');
  assert.match(paused.progress.message ?? '', new RegExp(`alpha-w1.*${pinnedName}.*needs 1`));
  assert.equal(paused.maintenanceNodes[0]?.state, 'PENDING');
  // The node is as it was (active), the service back at its one replica.
  const w1 = ((await manager().listNodes()) as DockerNode[]).find(
    (node) => node.Description?.Hostname === 'alpha-w1',
  );
  assert.equal(w1?.Spec.Availability, 'active');
  assert.equal(await replicasOf(pinned), 1);

  // resumeMaintenance (GraphQL) retries the step, which pauses again; a second resume while it runs is CONFLICT.
  const resumed = await gql<{ resumeMaintenance: MaintenanceJob }>(lab.app, operator, RESUME, {
    input: { job: job.id },
  });
  assert.equal(resumed.errors, undefined, JSON.stringify(resumed.errors));
  await untilJob(job.id, 'the job resumed', (current) => current.progress.step !== 'paused');
  await untilJob(job.id, 'the job paused again', (current) => current.progress.step === 'paused');
  assert.deepEqual(await auditOf('swarm.maintenance.resume'), ['REQUESTED', 'SUCCEEDED']);
  // Audited steps: the pause of alpha-w1 and the scale-up, each undone (active again, replicas back); no drain.
  const steps = stepsOf(await stepEvents(lab.app, lab.tokens.redAdmin, job.id));
  for (const [operation, outcomes] of steps)
    assert.deepEqual(outcomes, ['REQUESTED', 'SUCCEEDED'], operation);
  const actions = [...steps.keys()].map((key) => key.split(' ').slice(0, 2).join(' '));
  assert.equal(actions.filter((action) => action === 'node.drain alpha-w1').length, 0);
  assert.ok(actions.filter((action) => action === 'node.pause alpha-w1').length >= 2, actions.join(', '));
  assert.ok(actions.filter((action) => action === 'node.activate alpha-w1').length >= 2, actions.join(', '));
  assert.ok(
    actions.filter((action) => action === `service.scale ${pinnedName}`).length >= 4,
    actions.join(', '),
  );

  const cancelled = await lab.app.inject({
    method: 'POST',
    url: `/v1/jobs/${job.id}/cancel`,
    headers: bearer(operator),
    payload: { reason: 'not today' },
  });
  assert.equal(cancelled.statusCode, 200, cancelled.body);
  assert.equal(cancelled.json<{ state: string }>().state, 'CANCELLED');
  await assertAlphaActive(lab.inventory);
  const resumeEnded = await gql(lab.app, operator, RESUME, { input: { job: job.id } });
  assert.equal(resumeEnded.errors?.[0]?.extensions.code, 'CONFLICT');
  await removeServices(manager(), services.splice(services.indexOf(pinned), 1));
});

test('cancelling a maintenance that holds a drained node sets that node active before the job ends', async () => {
  const job = dataOf(
    await gql<{ startMaintenance: MaintenanceJob }>(lab.app, operator, START, {
      input: { swarm: 'alpha', nodes: ['alpha-w2'], waitForSignal: true, timeoutSeconds: 120 },
    }),
  ).startMaintenance;
  await untilJob(
    job.id,
    'alpha-w2 held drained',
    (current) => current.maintenanceNodes[0]?.state === 'WAITING_SIGNAL',
  );
  const w2 = ((await manager().listNodes()) as DockerNode[]).find(
    (node) => node.Description?.Hostname === 'alpha-w2',
  );
  assert.equal(w2?.Spec.Availability, 'drain');
  // Subscribers of jobUpdated see the per-node record too: the last update names the node set active again.
  const socket = await GraphqlWsClient.open(url);
  await socket.init({ authorization: `Bearer ${operator}` });
  socket.subscribe(
    'job',
    'subscription ($id: ID!) { jobUpdated(id: $id) { state maintenanceNodes { hostname state } } }',
    { id: job.id },
  );
  try {
    const cancelled = dataOf(
      await gql<{ cancelJob: { state: string } }>(
        lab.app,
        operator,
        'mutation ($id: ID!) { cancelJob(input: { id: $id }) { state } }',
        {
          id: job.id,
        },
      ),
    ).cancelJob;
    assert.equal(cancelled.state, 'CANCELLED');
    await socket.nextData<{
      jobUpdated: { state: string; maintenanceNodes: { hostname: string; state: string }[] };
    }>(
      'job',
      (data) =>
        data.jobUpdated.state === 'CANCELLED' &&
        data.jobUpdated.maintenanceNodes.some(
          (node) => node.hostname === 'alpha-w2' && node.state === 'FAILED',
        ),
      30_000,
    );
  } finally {
    socket.terminate();
  }
  // Set active by the job itself before it ended: no teardown has run yet.
  const after = ((await manager().listNodes()) as DockerNode[]).find(
    (node) => node.Description?.Hostname === 'alpha-w2',
  );
  assert.equal(after?.Spec.Availability, 'active');
  const ended = await getJob(job.id);
  assert.equal(ended.maintenanceNodes[0]?.state, 'FAILED');
  // The same record through REST.
  const rest = await lab.app.inject({
    method: 'GET',
    url: `/v1/jobs/${job.id}/maintenance`,
    headers: bearer(lab.tokens.redViewer),
  });
  assert.equal(rest.statusCode, 200, rest.body);
  assert.deepEqual(
    rest.json<{ nodes: { hostname: string; state: string }[] }>().nodes.map((one) => one.state),
    ['FAILED'],
  );
  const blueRead = await lab.app.inject({
    method: 'GET',
    url: `/v1/jobs/${job.id}/maintenance`,
    headers: bearer(lab.tokens.blueAdmin),
  });
  assert.equal(blueRead.statusCode, 404, blueRead.body);
  assert.match(ended.maintenanceNodes[0]?.message ?? '', /cancelled: set active again/);
  await waitForRunning(manager(), webId, 4);
});
