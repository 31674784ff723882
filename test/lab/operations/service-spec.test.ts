// The whole service spec (issue 13) on the lab's beta swarm: a service with an overlay network, a secret, a config,
// resources, restart policy, health check, placement preferences, max replicas per node, DNSRR, container settings,
// tmpfs and volume mounts; `docker service inspect` shows each; the read's spec equals what was sent and, sent back
// through the other door, is the same service; an update naming one field changes only that field.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerService } from '../../../src/docker/types.ts';
import { SERVICE_JOB_FIELDS as JOB_FIELDS, untilJobEnds, type ServiceJob } from '../../helpers/jobs.ts';
import { dockerFor, labEngine } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';
import { SERVICE_SPEC_FIELDS, withoutNulls } from '../../helpers/service-spec.ts';

const suffix = randomBytes(3).toString('hex');
const SERVICE = `sgA-spec-${suffix}`;
const NETWORK = `sgA-net-${suffix}`;
const SECRET = `sgA-secret-${suffix}`;
const CONFIG = `sgA-config-${suffix}`;
const VOLUME = `sgA-vol-${suffix}`;
const SECRET_VALUE = `sg-test-secret-${randomBytes(8).toString('hex')}`;

let lab: RedBlue;
let docker: Docker;
let operator: string;
let networkId = '';

/** Every field of issue 13 that a service on the lab can run with (capabilities and privileges need a policy). */
const INPUT = {
  name: SERVICE,
  image: 'swarmgate/probe:1',
  mode: 'REPLICATED',
  replicas: 1,
  env: ['GREETING=hello'],
  labels: [{ key: 'owner', value: 'sgA' }],
  args: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
  /** Filled in before(): away from the spare engines, which another test may join to beta for a while. */
  constraints: [] as string[],
  networks: [{ target: NETWORK, aliases: ['spec-probe'] }],
  mounts: [
    { type: 'TMPFS', target: '/scratch', tmpfsOptions: { sizeBytes: 1048576, mode: 448 } },
    {
      type: 'VOLUME',
      source: VOLUME,
      target: '/data',
      volumeOptions: { noCopy: true, labels: [{ key: 'owner', value: 'sgA' }] },
    },
  ],
  secrets: [{ secret: SECRET, target: 'token', uid: '0', gid: '0', mode: 256 }],
  configs: [{ config: CONFIG, target: '/etc/sga.conf', uid: '0', gid: '0', mode: 292 }],
  resources: {
    limits: { cpus: 0.5, memoryBytes: 67108864, pids: 200 },
    reservations: { cpus: 0.01, memoryBytes: 8388608 },
  },
  restartPolicy: { condition: 'ON_FAILURE', delaySeconds: 1, maxAttempts: 3, windowSeconds: 5 },
  healthcheck: {
    test: ['CMD-SHELL', 'test -r /run/secrets/token'],
    intervalSeconds: 1,
    timeoutSeconds: 1,
    retries: 3,
    startPeriodSeconds: 1,
  },
  placementPreferences: [{ spread: 'node.labels.sga-zone' }],
  maxReplicasPerNode: 1,
  endpointMode: 'DNSRR',
  hostname: 'sga-probe',
  user: '0:0',
  workingDir: '/tmp',
  stopSignal: 'SIGTERM',
  stopGracePeriodSeconds: 3,
  readOnly: true,
  containerLabels: [{ key: 'sga', value: 'container' }],
  capabilityDrop: ['CAP_MKNOD'],
};

before(async () => {
  lab = await setupRedBlue();
  docker = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  operator = tokenFor('blue', ['operator']);
  INPUT.constraints.push(
    ...lab.inventory.engines
      .filter((engine) => engine.swarm === null)
      .map((engine) => `node.hostname!=${engine.name}`),
  );
  const network = await docker.createNetwork({ Name: NETWORK, Driver: 'overlay', Labels: { owner: 'sgA' } });
  networkId = network.id;
  await docker.createSecret({ Name: SECRET, Data: Buffer.from(SECRET_VALUE).toString('base64') });
  await docker.createConfig({ Name: CONFIG, Data: Buffer.from('sgA=1\n').toString('base64') });
});

after(async () => {
  if (!lab) return;
  await docker
    ?.getService(SERVICE)
    .remove()
    .catch(() => undefined);
  // Docker removes the service's tasks first: until they are gone the network, secret and config are in use.
  for (let attempt = 0; attempt < 30; attempt++) {
    const left = await Promise.allSettled([
      docker.getNetwork(NETWORK).remove(),
      docker.getSecret(SECRET).remove(),
      docker.getConfig(CONFIG).remove(),
    ]);
    const inUse = left.some(
      (result) => result.status === 'rejected' && !/no such|not found/i.test(String(result.reason)),
    );
    if (!inUse) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  // The named volume was created on whichever node ran the task, and is in use until its container is gone.
  for (const name of ['beta-m1', 'beta-w1']) {
    const engine = dockerFor(labEngine(lab.inventory, name));
    for (let attempt = 0; attempt < 30; attempt++) {
      const removed = await engine
        .getVolume(VOLUME)
        .remove()
        .then(() => true)
        .catch((error: unknown) => /no such volume|not found/i.test(String(error)));
      if (removed) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  await lab.subject.close();
});

const untilEnded = (id: string): Promise<ServiceJob> =>
  untilJobEnds<ServiceJob>(lab.app, operator, JOB_FIELDS, id, { timeoutMs: 120_000, intervalMs: 200 });

async function succeeded(id: string): Promise<Record<string, unknown>> {
  const ended = await untilEnded(id);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  return JSON.parse(ended.result ?? '{}') as Record<string, unknown>;
}

const inspect = async () => (await docker.getService(SERVICE).inspect()) as DockerService;

const rest = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
  lab.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${operator}` },
    ...(payload ? { payload } : {}),
  });

async function graphqlSpec(): Promise<Record<string, unknown>> {
  const answer = await gql<{ swarm: { service: { spec: Record<string, unknown> } } }>(
    lab.app,
    operator,
    `query ($ref: String!) { swarm(id: "beta") { service(ref: $ref, fresh: true) { spec { ${SERVICE_SPEC_FIELDS} } } } }`,
    { ref: SERVICE },
  );
  return withoutNulls(dataOf(answer).swarm.service.spec) as Record<string, unknown>;
}

async function restSpec(): Promise<Record<string, unknown>> {
  const response = await rest('GET', `/v1/swarms/beta/services/${SERVICE}?fresh=true`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ spec: Record<string, unknown> }>().spec;
}

test('createService with the whole spec: Docker runs what was sent', async () => {
  const answer = await gql<{ createService: ServiceJob }>(
    lab.app,
    operator,
    `mutation ($input: CreateServiceInput!) { createService(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'beta', reason: 'service spec test', ...INPUT } },
  );
  const outcome = await succeeded(dataOf(answer).createService.id);
  assert.equal(outcome.created, true);

  const spec = (await inspect()).Spec;
  const task = spec.TaskTemplate;
  const container = task.ContainerSpec!;
  assert.deepEqual(task.Networks, [{ Target: networkId, Aliases: ['spec-probe'] }]);
  assert.deepEqual(
    container.Mounts?.map((mount) => [mount.Type, mount.Source ?? '', mount.Target]),
    [
      ['tmpfs', '', '/scratch'],
      ['volume', VOLUME, '/data'],
    ],
  );
  assert.deepEqual(container.Mounts?.[0]?.TmpfsOptions, { SizeBytes: 1048576, Mode: 448 });
  assert.equal(container.Mounts?.[1]?.VolumeOptions?.NoCopy, true);
  const secret = await docker.getSecret(SECRET).inspect();
  assert.deepEqual(container.Secrets, [
    { SecretID: secret.ID, SecretName: SECRET, File: { Name: 'token', UID: '0', GID: '0', Mode: 256 } },
  ]);
  assert.equal(container.Configs?.[0]?.ConfigName, CONFIG);
  assert.deepEqual(container.Configs?.[0]?.File, { Name: '/etc/sga.conf', UID: '0', GID: '0', Mode: 292 });
  assert.deepEqual(task.Resources, {
    Limits: { NanoCPUs: 5e8, MemoryBytes: 67108864, Pids: 200 },
    Reservations: { NanoCPUs: 1e7, MemoryBytes: 8388608 },
  });
  assert.deepEqual(task.RestartPolicy, { Condition: 'on-failure', Delay: 1e9, MaxAttempts: 3, Window: 5e9 });
  assert.deepEqual(container.Healthcheck, {
    Test: ['CMD-SHELL', 'test -r /run/secrets/token'],
    Interval: 1e9,
    Timeout: 1e9,
    Retries: 3,
    StartPeriod: 1e9,
  });
  assert.deepEqual(task.Placement?.Preferences, [{ Spread: { SpreadDescriptor: 'node.labels.sga-zone' } }]);
  assert.equal(task.Placement?.MaxReplicas, 1);
  assert.equal(spec.EndpointSpec?.Mode, 'dnsrr');
  assert.equal(container.Hostname, 'sga-probe');
  assert.equal(container.User, '0:0');
  assert.equal(container.Dir, '/tmp');
  assert.equal(container.StopSignal, 'SIGTERM');
  assert.equal(container.StopGracePeriod, 3e9);
  assert.equal(container.ReadOnly, true);
  assert.deepEqual(container.Labels, { sga: 'container' });
  assert.deepEqual(container.CapabilityDrop, ['CAP_MKNOD']);
});

test("the read's spec equals what was sent, the same through both doors", async () => {
  const [graphql, restView] = await Promise.all([graphqlSpec(), restSpec()]);
  assert.deepEqual(restView, graphql, 'REST and GraphQL answer the same spec');
  for (const [field, sent] of Object.entries(INPUT)) {
    assert.deepEqual(graphql[field], sent, `spec.${field} reads back as it was sent`);
  }
  // Networks read by name, secrets and configs too: not only IDs.
  assert.deepEqual(graphql.networks, [{ target: NETWORK, aliases: ['spec-probe'] }]);
});

test('the read spec sent back to createService (REST) is the same service: nothing changes', async () => {
  const before = await inspect();
  const response = await rest('POST', '/v1/swarms/beta/services', await restSpec());
  assert.equal(response.statusCode, 202, response.body);
  const outcome = await succeeded(response.json<{ id: string }>().id);
  assert.equal(outcome.created, false, 'the same spec: the existing service');
  assert.equal(outcome.serviceId, before.ID);
  assert.equal(
    (await inspect()).Version.Index,
    before.Version.Index,
    'Docker was not asked to change anything',
  );
});

/** Sends an update, waits for it, and answers the service's spec before and after. */
async function updated(
  send: () => Promise<string>,
): Promise<{ before: DockerService; after: DockerService }> {
  const before = await inspect();
  await succeeded(await send());
  return { before, after: await inspect() };
}

test('updateService naming one field changes only that field (GraphQL)', async () => {
  const { before, after } = await updated(async () => {
    const answer = await gql<{ updateService: ServiceJob }>(
      lab.app,
      operator,
      `mutation ($input: UpdateServiceInput!) { updateService(input: $input) { ${JOB_FIELDS} } }`,
      { input: { swarm: 'beta', service: SERVICE, stopGracePeriodSeconds: 4 } },
    );
    return dataOf(answer).updateService.id;
  });
  const expected = structuredClone(before.Spec);
  expected.TaskTemplate.ContainerSpec!.StopGracePeriod = 4e9;
  assert.deepEqual(after.Spec, expected, 'only StopGracePeriod changed');
});

test('the read spec, edited (hostname) and sent back to updateService (REST), changes only that', async () => {
  const spec = await restSpec();
  const { before, after } = await updated(async () => {
    const response = await rest('PATCH', `/v1/swarms/beta/services/${SERVICE}`, {
      ...spec,
      hostname: 'sga-edited',
    });
    assert.equal(response.statusCode, 202, response.body);
    return response.json<{ id: string }>().id;
  });
  const expected = structuredClone(before.Spec);
  expected.TaskTemplate.ContainerSpec!.Hostname = 'sga-edited';
  assert.deepEqual(after.Spec, expected, 'only Hostname changed');
  assert.equal((await graphqlSpec()).hostname, 'sga-edited');
});

test('a secret, config or network that the swarm lacks is BAD_INPUT naming it, before anything is queued', async () => {
  const response = await rest('PATCH', `/v1/swarms/beta/services/${SERVICE}`, {
    secrets: [{ secret: `sgA-missing-${suffix}` }],
  });
  assert.equal(response.statusCode, 400, response.body);
  assert.match(response.json<{ detail: string }>().detail, /secrets\[0\]\.secret.*no secret "sgA-missing-/);
  const network = await rest('PATCH', `/v1/swarms/beta/services/${SERVICE}`, {
    networks: [{ target: 'ingress' }],
  });
  assert.equal(network.statusCode, 400, network.body);
  assert.match(network.json<{ detail: string }>().detail, /networks\[0\]\.target/);
});

test('the secret value never reaches the job rows, the audit or the answers', async () => {
  const jobs = await rest('GET', '/v1/jobs?first=100');
  assert.equal(jobs.statusCode, 200, jobs.body);
  assert.ok(!jobs.body.includes(SECRET_VALUE));
  const audit = await gql(
    lab.app,
    tokenFor('blue', ['admin']),
    '{ auditEvents(first: 200) { items { parameters result } } }',
  );
  assert.ok(!JSON.stringify(audit).includes(SECRET_VALUE));
});
