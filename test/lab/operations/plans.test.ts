// Plans on the lab: `dryRun: true` answers what a mutation would do and changes nothing. On alpha only dry runs (the
// demote of alpha-m2, the drain of alpha-w1); on beta the services, network, secret, config and stack made here
// (named sgP-...) give the planners something to plan about, and are removed at the end. Every Mutation field that
// takes dryRun is dry-run once, through the bot, and a dry run leaves no job row and is audited with dryRun.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { buildSchema, GraphQLInputObjectType, GraphQLNonNull } from 'graphql';
import pg from 'pg';
import type { DockerNode, DockerService, DockerTask } from '../../../src/docker/types.ts';
import { loadSchemaSource } from '../../../src/graphql/schema.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { isolatedRedisUrl } from '../../helpers/jobs.ts';
import { createSlowService, dockerFor, labEngine, nodeByHostname, waitUntil } from '../../helpers/lab.ts';
import { setupRedBlue, tlsEndpointsOf, type RedBlue } from '../../helpers/red-blue.ts';

const RUN = randomUUID().slice(0, 6);
const PINNED = `sgP-pinned-${RUN}`;
const SPREAD = `sgP-spread-${RUN}`;
const STACK = `sgP-stack-${RUN}`;
const NETWORK = `sgP-net-${RUN}`;
const SECRET = `sgP-secret-${RUN}`;
const CONFIG = `sgP-config-${RUN}`;
const JOB = 'id type state dryRun plan result parameters swarmName target { nodeName serviceName }';

interface PlanJob {
  id: string;
  type: string;
  state: string;
  dryRun: boolean;
  plan: string | null;
  result: string | null;
  parameters: string;
  swarmName: string | null;
  target: { nodeName: string | null; serviceName: string | null };
}

let lab: RedBlue;
const services: string[] = [];
const objects: { kind: 'network' | 'secret' | 'config'; id: string }[] = [];

const beta = (): Docker => dockerFor(labEngine(lab.inventory, 'beta-m1'));
const alpha = (): Docker => dockerFor(labEngine(lab.inventory, 'alpha-m1'));
/** alice, admin of blue (beta), acting through the chatops bot. */
const blueBot = () => tokenFor('blue', ['admin'], { sub: 'alice', act: { sub: 'chatops-bot' } });

async function liveTasks(docker: Docker, serviceId: string): Promise<DockerTask[]> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as DockerTask[];
  return tasks.filter((task) => task.DesiredState === 'running');
}

async function inspectService(docker: Docker, id: string): Promise<DockerService> {
  return (await docker.getService(id).inspect()) as DockerService;
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  const docker = beta();
  // One task that only beta-w1 may run: its drain would leave it unschedulable.
  await createSlowService(
    docker,
    { name: PINNED, test: 'plans', graceSeconds: 0, replicas: 1, constraints: ['node.hostname==beta-w1'] },
    services,
  );
  // Two tasks spread over beta's two nodes: the one on beta-w1 fits on beta-m1.
  const spread = await createSlowService(
    docker,
    { name: SPREAD, test: 'plans', graceSeconds: 0, replicas: 2, constraints: [] },
    services,
  );
  // A stack of one service (the namespace label is what makes a stack).
  await createSlowService(
    docker,
    { name: `${STACK}_web`, test: 'plans', graceSeconds: 0, replicas: 0, constraints: [] },
    services,
  );
  const stackService = services.at(-1)!;
  const stackSpec = await inspectService(docker, stackService);
  await docker.getService(stackService).update({
    version: stackSpec.Version.Index,
    ...stackSpec.Spec,
    Labels: { ...stackSpec.Spec.Labels, 'com.docker.stack.namespace': STACK },
  });
  // A previous spec for the rollback's plan: a label changed (no task restarts).
  const spreadSpec = await inspectService(docker, spread);
  await docker.getService(spread).update({
    version: spreadSpec.Version.Index,
    ...spreadSpec.Spec,
    Labels: { ...spreadSpec.Spec.Labels, 'sgP-step': '2' },
  });
  const network = (await docker.createNetwork({ Name: NETWORK, Driver: 'overlay' })) as { id: string };
  objects.push({ kind: 'network', id: network.id });
  const secret = (await docker.createSecret({
    Name: SECRET,
    Data: Buffer.from('sgP-value').toString('base64'),
  })) as {
    id: string;
  };
  objects.push({ kind: 'secret', id: secret.id });
  const config = (await docker.createConfig({
    Name: CONFIG,
    Data: Buffer.from('x=1').toString('base64'),
  })) as {
    id: string;
  };
  objects.push({ kind: 'config', id: config.id });
  await waitUntil(
    'the pinned service runs on beta-w1',
    async () =>
      (await liveTasks(docker, services[0]!)).some((task) => task.Status.State === 'running') ||
      'not running yet',
    60_000,
  );
});

after(async () => {
  const docker = beta();
  for (const id of services.splice(0)) {
    await docker
      .getService(id)
      .remove()
      .catch(() => undefined);
  }
  for (const { kind, id } of objects.splice(0)) {
    const remove =
      kind === 'network'
        ? docker.getNetwork(id).remove()
        : kind === 'secret'
          ? docker.getSecret(id).remove()
          : docker.getConfig(id).remove();
    await remove.catch(() => undefined);
  }
  await lab?.subject.close();
});

async function dryRun(token: string, field: string, inputType: string, input: Record<string, unknown>) {
  return gql<Record<string, PlanJob | { job: PlanJob; token: string | null }>>(
    lab.app,
    token,
    field === 'rotateJoinToken'
      ? `mutation ($input: ${inputType}!) { ${field}(input: $input) { job { ${JOB} } token } }`
      : `mutation ($input: ${inputType}!) { ${field}(input: $input) { ${JOB} } }`,
    { input: { ...input, dryRun: true } },
  );
}

function jobOf(answer: Awaited<ReturnType<typeof dryRun>>, field: string): PlanJob {
  const value = dataOf(answer)[field];
  assert.ok(value, `${field} answered`);
  return 'job' in value ? value.job : value;
}

function planOf<T = Record<string, unknown>>(job: PlanJob): T {
  assert.equal(job.dryRun, true);
  assert.equal(job.state, 'SUCCEEDED');
  assert.match(job.id, /^plan:[0-9a-f-]{36}$/);
  assert.equal(job.result, null);
  assert.ok(job.plan, 'a plan');
  return JSON.parse(job.plan) as T;
}

async function jobRows(): Promise<number> {
  const client = new pg.Client({ connectionString: lab.subject.db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM jobs');
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

interface QuorumPlan {
  managersBefore: number;
  managersAfter: number;
  toleratesBefore: number;
  toleratesAfter: number;
  evenAfter: boolean;
  wouldRefuse: string | null;
}

test('demote alpha-m2: refused without force (QUORUM_AT_RISK, a refusal not a plan); with force, the plan 3 -> 2', async () => {
  const refused = await dryRun(lab.tokens.redAdmin, 'demoteNode', 'DemoteNodeInput', {
    swarm: 'alpha',
    node: 'alpha-m2',
    reason: 'plan',
  });
  assert.equal(refused.errors?.[0]?.extensions.code, 'QUORUM_AT_RISK', JSON.stringify(refused.errors));
  assert.match(refused.errors?.[0]?.message ?? '', /tolerate 0 failures/);

  const job = jobOf(
    await dryRun(lab.tokens.redAdmin, 'demoteNode', 'DemoteNodeInput', {
      swarm: 'alpha',
      node: 'alpha-m2',
      force: true,
      reason: 'plan',
    }),
    'demoteNode',
  );
  const { quorum } = planOf<{ quorum: QuorumPlan }>(job);
  assert.deepEqual(
    {
      managers: [quorum.managersBefore, quorum.managersAfter],
      tolerates: [quorum.toleratesBefore, quorum.toleratesAfter],
      even: quorum.evenAfter,
      wouldRefuse: quorum.wouldRefuse,
    },
    { managers: [3, 2], tolerates: [1, 0], even: true, wouldRefuse: 'QUORUM_AT_RISK' },
  );
  assert.equal(job.target.nodeName, 'alpha-m2');
  // Nothing changed (checked through Docker), and the plan is not a job one can look up.
  const node: DockerNode = await nodeByHostname(alpha(), 'alpha-m2', 'alpha');
  assert.equal(node.Spec.Role, 'manager');
  const lookup = await gql(lab.app, lab.tokens.redAdmin, 'query ($id: ID!) { job(id: $id) { id } }', {
    id: job.id,
  });
  assert.equal(lookup.errors?.[0]?.extensions.code, 'NOT_FOUND');
});

test('REST: the demote plan answers 200 with the same plan; another tenant is NOT_FOUND', async () => {
  const response = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/nodes/alpha-m2/demote',
    headers: { authorization: `Bearer ${lab.tokens.redAdmin}` },
    payload: { force: true, reason: 'plan', dryRun: true },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json<{
    id: string;
    dryRun: boolean;
    plan: { quorum: QuorumPlan };
    result: unknown;
  }>();
  assert.equal(body.dryRun, true);
  assert.equal(body.result, null);
  assert.equal(body.plan.quorum.managersAfter, 2);
  assert.equal(response.headers.location, undefined);

  const blue = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/nodes/alpha-m2/demote',
    headers: { authorization: `Bearer ${lab.tokens.blueAdmin}` },
    payload: { force: true, reason: 'plan', dryRun: true },
  });
  assert.equal(blue.statusCode, 404);
  assert.equal(blue.json<{ code: string }>().code, 'NOT_FOUND');
  const graphql = await dryRun(lab.tokens.blueAdmin, 'demoteNode', 'DemoteNodeInput', {
    swarm: 'alpha',
    node: 'alpha-m2',
    force: true,
    reason: 'plan',
  });
  assert.equal(graphql.errors?.[0]?.extensions.code, 'NOT_FOUND');
});

interface DrainPlan {
  node: { name: string; role: string };
  tasks: { task: string; service: string; fits: boolean; candidates: string[] }[];
  unschedulable: { task: string; service: string; reason: string }[];
  stopping: unknown[];
}

test('drain alpha-w1 plan: the tasks Docker shows on it, each placed on another Active, Ready node; nothing drained', async () => {
  const docker = alpha();
  const rows = await jobRows();
  const job = jobOf(
    await dryRun(lab.tokens.redOperator, 'setNodeAvailability', 'SetNodeAvailabilityInput', {
      swarm: 'alpha',
      node: 'alpha-w1',
      availability: 'DRAIN',
    }),
    'setNodeAvailability',
  );
  const plan = planOf<DrainPlan>(job);
  assert.equal(plan.node.name, 'alpha-w1');
  const w1 = await nodeByHostname(docker, 'alpha-w1', 'alpha');
  const w2 = await nodeByHostname(docker, 'alpha-w2', 'alpha');
  // Nothing drained: no job (alpha-w1's availability is helper R's to change meanwhile; beta's test checks Docker).
  assert.equal(await jobRows(), rows, 'no job row');
  const shown = (await docker.listTasks({ filters: { node: [w1.ID] } })) as DockerTask[];
  // Other helpers' maintenance may move tasks meanwhile: every planned task is one Docker has had on alpha-w1.
  const ids = new Set(shown.map((task) => task.ID));
  for (const moved of plan.tasks) {
    assert.ok(ids.has(moved.task), `${moved.task} was on alpha-w1`);
    assert.equal(moved.fits, moved.candidates.length > 0);
    assert.ok(!moved.candidates.includes('alpha-w1'), 'never back onto the drained node');
    if (!moved.fits) assert.ok(plan.unschedulable.some((entry) => entry.task === moved.task && entry.reason));
  }
  if (w2.Spec.Availability === 'active' && w2.Status.State === 'ready') {
    // alpha-w2 can take any task whose service has no constraint, max replicas or reservation keeping it out.
    for (const moved of plan.tasks) {
      const service = await inspectService(
        docker,
        (shown.find((task) => task.ID === moved.task) ?? { ServiceID: '' }).ServiceID,
      );
      const placement = service.Spec.TaskTemplate.Placement;
      const free =
        (placement?.Constraints ?? []).length === 0 &&
        !placement?.MaxReplicas &&
        !service.Spec.TaskTemplate.Resources?.Reservations?.NanoCPUs &&
        !service.Spec.TaskTemplate.Resources?.Reservations?.MemoryBytes;
      if (free) assert.ok(moved.candidates.includes('alpha-w2'), JSON.stringify(moved));
    }
  }
});

test('drain beta-w1 plan (both doors): the pinned task is unschedulable, the spread one fits on beta-m1', async () => {
  const job = jobOf(
    await dryRun(blueBot(), 'setNodeAvailability', 'SetNodeAvailabilityInput', {
      swarm: 'beta',
      node: 'beta-w1',
      availability: 'DRAIN',
    }),
    'setNodeAvailability',
  );
  const plan = planOf<DrainPlan>(job);
  const pinned = plan.unschedulable.find((entry) => entry.service === PINNED);
  assert.ok(pinned, JSON.stringify(plan));
  assert.match(pinned.reason, /node\.hostname==beta-w1/);
  const spreadTasks = plan.tasks.filter((entry) => entry.service === SPREAD);
  for (const entry of spreadTasks) {
    assert.equal(entry.fits, true);
    assert.ok(entry.candidates.includes('beta-m1'), JSON.stringify(entry));
  }

  const rest = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/beta/nodes/beta-w1/availability',
    headers: { authorization: `Bearer ${lab.tokens.blueAdmin}` },
    payload: { availability: 'DRAIN', dryRun: true },
  });
  assert.equal(rest.statusCode, 200, rest.body);
  const body = rest.json<{ dryRun: boolean; plan: DrainPlan }>();
  assert.equal(body.dryRun, true);
  assert.ok(body.plan.unschedulable.some((entry) => entry.service === PINNED));
  const node = await nodeByHostname(beta(), 'beta-w1', 'beta');
  assert.notEqual(node.Spec.Availability, 'drain');

  // A DELETE takes dryRun in its query string.
  const remove = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/beta/services/${PINNED}?dryRun=true`,
    headers: { authorization: `Bearer ${lab.tokens.blueAdmin}` },
  });
  assert.equal(remove.statusCode, 200, remove.body);
  assert.equal(remove.json<{ dryRun: boolean }>().dryRun, true);
  assert.equal((await liveTasks(beta(), services[0]!)).length, 1, 'the pinned service still runs');
});

test('updateService dry run: the image diff; the service is not updated (Version unchanged)', async () => {
  const id = services[1]!;
  const before = await inspectService(beta(), id);
  const job = jobOf(
    await dryRun(blueBot(), 'updateService', 'UpdateServiceInput', {
      swarm: 'beta',
      service: SPREAD,
      image: 'swarmgate/probe:2',
      env: ['SGP_TOKEN=not-shown'],
    }),
    'updateService',
  );
  const plan = planOf<{ diff: { path: string; from?: unknown; to?: unknown; variables?: string[] }[] }>(job);
  const image = plan.diff.find((change) => change.path.endsWith('ContainerSpec.Image'));
  assert.ok(image, JSON.stringify(plan.diff));
  assert.match(String(image.from), /swarmgate\/probe:1/);
  assert.match(String(image.to), /swarmgate\/probe:2/);
  const env = plan.diff.find((change) => change.path.endsWith('ContainerSpec.Env'));
  assert.deepEqual(env?.variables, ['SGP_TOKEN']);
  assert.doesNotMatch(job.plan ?? '', /not-shown/);
  const afterwards = await inspectService(beta(), id);
  assert.equal(afterwards.Version.Index, before.Version.Index);
  assert.equal(
    afterwards.Spec.TaskTemplate.ContainerSpec?.Image,
    before.Spec.TaskTemplate.ContainerSpec?.Image,
  );
});

test('a dry run writes no job row, and is audited as a read: requested and succeeded, with dryRun', async () => {
  const rows = await jobRows();
  const job = jobOf(
    await dryRun(blueBot(), 'scaleService', 'ScaleServiceInput', {
      swarm: 'beta',
      service: SPREAD,
      replicas: 3,
    }),
    'scaleService',
  );
  assert.deepEqual(planOf<{ replicas: unknown }>(job).replicas, { before: 2, after: 3 });
  assert.equal(await jobRows(), rows);
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: {
          operationId: string;
          outcome: string;
          parameters: string;
          result: string | null;
          jobId: string | null;
        }[];
      };
    }>(
      lab.app,
      lab.tokens.blueAdmin,
      'query { auditEvents(filter: { action: "service.scale" }, first: 10) { items { operationId outcome parameters result jobId } } }',
    ),
  ).auditEvents.items;
  const newest = events[0];
  assert.ok(newest);
  const pair = events.filter((event) => event.operationId === newest.operationId);
  assert.deepEqual(pair.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
  for (const event of pair) {
    assert.equal((JSON.parse(event.parameters) as { dryRun?: boolean }).dryRun, true);
  }
  const outcome = pair.find((event) => event.outcome === 'SUCCEEDED')!;
  assert.equal(outcome.jobId, null);
  const result = JSON.parse(outcome.result ?? '{}') as { dryRun?: boolean; summary?: string };
  assert.equal(result.dryRun, true);
  assert.match(result.summary ?? '', /would scale service/);
  assert.equal((await liveTasks(beta(), services[1]!)).length, 2, 'still 2 replicas');
});

/** One dry run per Mutation field that takes dryRun: on beta (as the bot for blue's admin) unless said otherwise. */
const CASES: Record<
  string,
  { input: Record<string, unknown>; token?: () => string; expect: (plan: Record<string, unknown>) => void }
> = {
  setNodeAvailability: {
    input: { swarm: 'beta', node: 'beta-w1', availability: 'PAUSE' },
    expect: (plan) => assert.equal(plan.availability, 'pause'),
  },
  promoteNode: {
    input: { swarm: 'beta', node: 'beta-w1', force: true, reason: 'plan' },
    expect: (plan) =>
      assert.equal((plan.quorum as QuorumPlan).managersAfter, (plan.quorum as QuorumPlan).managersBefore + 1),
  },
  demoteNode: {
    input: { swarm: 'alpha', node: 'alpha-m3', force: true, reason: 'plan' },
    token: () => tokenFor('red', ['admin'], { sub: 'alice', act: { sub: 'chatops-bot' } }),
    expect: (plan) => assert.equal((plan.quorum as QuorumPlan).evenAfter, true),
  },
  updateNodeLabels: {
    input: { swarm: 'beta', node: 'beta-w1', add: [{ key: `sgP-${RUN}`, value: 'x' }] },
    expect: (plan) => assert.deepEqual((plan.labels as { added: string[] }).added, [`sgP-${RUN}`]),
  },
  removeNode: {
    input: { swarm: 'beta', node: 'beta-w1', force: true, reason: 'plan' },
    expect: (plan) =>
      assert.equal((plan.quorum as QuorumPlan).managersAfter, (plan.quorum as QuorumPlan).managersBefore),
  },
  createService: {
    input: { swarm: 'beta', name: `sgP-new-${RUN}`, image: 'swarmgate/probe:1', replicas: 2 },
    expect: (plan) => assert.deepEqual(plan.replicas, { before: null, after: 2 }),
  },
  scaleService: {
    input: { swarm: 'beta', service: SPREAD, replicas: 1 },
    expect: (plan) => assert.deepEqual(plan.replicas, { before: 2, after: 1 }),
  },
  updateService: {
    input: { swarm: 'beta', service: SPREAD, labels: [{ key: 'sgP-step', value: '3' }] },
    expect: (plan) =>
      assert.ok((plan.diff as { path: string }[]).some((change) => change.path.startsWith('Labels'))),
  },
  rollbackService: {
    input: { swarm: 'beta', service: SPREAD },
    expect: (plan) =>
      assert.ok((plan.diff as { path: string }[]).some((change) => change.path.includes('sgP-step'))),
  },
  removeService: {
    input: { swarm: 'beta', service: PINNED },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'service', name: PINNED }]),
  },
  removeStack: {
    input: { swarm: 'beta', name: STACK },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'service', name: `${STACK}_web` }]),
  },
  createNetwork: {
    input: { swarm: 'beta', name: `sgP-newnet-${RUN}` },
    expect: (plan) => assert.deepEqual(plan.create, [{ kind: 'network', name: `sgP-newnet-${RUN}` }]),
  },
  removeNetwork: {
    input: { swarm: 'beta', network: NETWORK },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'network', name: NETWORK }]),
  },
  createSecret: {
    input: { swarm: 'beta', name: `sgP-newsecret-${RUN}`, value: 'sgP-never-shown' },
    expect: (plan) => assert.deepEqual(plan.create, [{ kind: 'secret', name: `sgP-newsecret-${RUN}` }]),
  },
  removeSecret: {
    input: { swarm: 'beta', secret: SECRET },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'secret', name: SECRET }]),
  },
  rotateSecret: {
    input: { swarm: 'beta', secret: SECRET, value: 'sgP-never-shown' },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'secret', name: SECRET }]),
  },
  createConfig: {
    input: { swarm: 'beta', name: `sgP-newconfig-${RUN}`, value: 'k=v' },
    expect: (plan) => assert.deepEqual(plan.create, [{ kind: 'config', name: `sgP-newconfig-${RUN}` }]),
  },
  removeConfig: {
    input: { swarm: 'beta', config: CONFIG },
    expect: (plan) => assert.deepEqual(plan.remove, [{ kind: 'config', name: CONFIG }]),
  },
  rotateJoinToken: {
    input: { swarm: 'beta', role: 'WORKER', reveal: true, reason: 'plan' },
    expect: (plan) => assert.equal(plan.rotate, 'worker'),
  },
  joinNode: {
    input: { swarm: 'beta', role: 'WORKER' },
    expect: (plan) => assert.equal(plan.quorum, null),
  },
  leaveSwarm: {
    input: { swarm: 'beta', node: 'beta-w1' },
    expect: (plan) => assert.equal(plan.quorum, null),
  },
};

test('every Mutation field with dryRun answers a plan and changes nothing', async () => {
  const schema = buildSchema(loadSchemaSource());
  const fields = Object.values(schema.getMutationType()!.getFields());
  const planned = fields.filter((field) => {
    const input = field.args.find((arg) => arg.name === 'input')?.type;
    const type = input instanceof GraphQLNonNull ? input.ofType : input;
    return (
      type instanceof GraphQLInputObjectType && 'dryRun' in type.getFields() && field.name !== 'deployStack'
    );
  });
  const missing = planned.map((field) => field.name).filter((name) => !(name in CASES));
  // Fields other helpers add with dryRun get the generic plan: they need a case here once they exist.
  assert.deepEqual(
    missing.filter((name) => !['startMaintenance', 'setJoinTokenRotation'].includes(name)),
    [],
    'a case for every Mutation field with dryRun',
  );
  const rows = await jobRows();
  const betaW1 = lab.inventory.engines.find((engine) => engine.name === 'beta-w1')!;
  const spare = lab.inventory.engines.find((engine) => engine.name === 'spare-1')!;
  for (const field of planned.filter((candidate) => candidate.name in CASES)) {
    const testCase = CASES[field.name]!;
    const input = { ...testCase.input };
    if (field.name === 'joinNode') input.endpoint = tlsEndpointsOf(lab.inventory, [spare.name])[0];
    if (field.name === 'leaveSwarm') input.endpoint = tlsEndpointsOf(lab.inventory, [betaW1.name])[0];
    const inputType = String(field.args.find((arg) => arg.name === 'input')!.type).replace(/!$/, '');
    const answer = await dryRun((testCase.token ?? blueBot)(), field.name, inputType, input);
    assert.equal(answer.errors, undefined, `${field.name}: ${JSON.stringify(answer.errors)}`);
    const job = jobOf(answer, field.name);
    const plan = planOf(job);
    assert.equal(typeof plan.summary, 'string', field.name);
    if (field.name === 'rotateJoinToken') {
      // A plan rotated nothing: `reveal` reveals nothing.
      const payload = dataOf(answer).rotateJoinToken;
      assert.ok(payload && 'token' in payload);
      assert.equal(payload.token, null);
    }
    testCase.expect(plan);
    assert.doesNotMatch(
      JSON.stringify(job),
      /sgP-never-shown|BEGIN [A-Z ]*KEY|SWMTKN/,
      `${field.name}: no secret`,
    );
  }
  assert.equal(await jobRows(), rows, 'no job row written');
  // Nothing changed on beta: the services made here are as they were, no new object exists.
  const docker = beta();
  assert.equal((await liveTasks(docker, services[1]!)).length, 2);
  const names = (await docker.listServices()).map((service) => service.Spec?.Name);
  assert.ok(!names.includes(`sgP-new-${RUN}`));
  assert.ok(names.includes(PINNED));
  const betaNode = await nodeByHostname(docker, 'beta-w1', 'beta');
  assert.equal(betaNode.Spec.Labels?.[`sgP-${RUN}`], undefined);
  assert.equal(betaNode.Spec.Role, 'worker');
});
