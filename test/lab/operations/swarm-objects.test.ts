// Networks, secrets and configs on the lab's beta swarm through both doors: create (checked first: names, subnets,
// Docker's size limits), read back and list, removal refused while a service uses the object (CONFLICT naming it)
// and idempotent after, rotateSecret moving a running service to the new secret (and doing nothing when run again),
// another tenant's NOT_FOUND for every read and mutation, swarmEvents for the new objects, and no secret value in
// any answer, job row, audit row or log line.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import pg from 'pg';
import type {
  DockerConfig,
  DockerNetwork,
  DockerSecret,
  DockerService,
  DockerTask,
} from '../../../src/docker/types.ts';
import { secretRotateProcessor } from '../../../src/jobs/processors/secret-rotate.ts';
import { buildTestApp, testLogger } from '../../helper.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { resumedContext, untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, waitUntil } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const suffix = randomBytes(3).toString('hex');
const name = (what: string) => `sgB-${what}-${suffix}`;
/** Every secret value of this file starts with the marker test/secret-scan.ts looks for in the logs. */
const secretValue = (what: string) => `sg-test-secret-${what}-${randomBytes(8).toString('hex')}`;
/** A subnet of its own for this run (10.200-249.x.0/24), unlikely to meet another test's. */
const octet2 = 200 + (randomBytes(1)[0]! % 50);
const octet3 = randomBytes(1)[0]!;
const SUBNET = `10.${octet2}.${octet3}.0/24`;
const prefix24 = `10.${octet2}.${octet3}`;

const JOB_FIELDS = 'id type state errorCode errorMessage result parameters progress { percent step message }';
interface JobView {
  id: string;
  type: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  parameters: string;
  progress: { percent: number; step: string | null; message: string | null };
}

let lab: RedBlue;
let docker: Docker;
let operator: string;
let viewer: string;
let redOperator: string;
/** Every secret value sent to the gateway, looked for in answers, job rows, audit rows and logs. */
const sentValues: string[] = [];
/** Every answer body the gateway gave, checked at the end for any value sent. */
const answers: string[] = [];
const createdServices: string[] = [];

before(async () => {
  lab = await setupRedBlue();
  docker = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  operator = tokenFor('blue', ['operator'], { sub: 'olivia', act: { sub: 'chatops-bot' } });
  viewer = lab.tokens.blueViewer;
  redOperator = lab.tokens.redOperator;
});

after(async () => {
  for (const id of createdServices)
    await docker
      ?.getService(id)
      .remove()
      .catch(() => undefined);
  // Whatever a failed test left behind goes: every object of this run carries the run's suffix.
  const networks = ((await docker?.listNetworks().catch(() => [])) ?? []) as unknown as DockerNetwork[];
  const secrets = ((await docker?.listSecrets().catch(() => [])) ?? []) as unknown as DockerSecret[];
  const configs = ((await docker?.listConfigs().catch(() => [])) ?? []) as unknown as DockerConfig[];
  for (let attempt = 0; attempt < 10; attempt += 1) {
    let left = 0;
    for (const network of networks.filter((n) => n.Name.endsWith(suffix))) {
      left += await docker
        .getNetwork(network.Id)
        .remove()
        .then(
          () => 0,
          () => 1,
        );
    }
    for (const secret of secrets.filter((s) => s.Spec.Name.includes(suffix))) {
      left += await docker
        .getSecret(secret.ID)
        .remove()
        .then(
          () => 0,
          () => 1,
        );
    }
    for (const config of configs.filter((c) => c.Spec.Name.includes(suffix))) {
      left += await docker
        .getConfig(config.ID)
        .remove()
        .then(
          () => 0,
          () => 1,
        );
    }
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await lab?.subject.close();
});

// ---------------------------------------------------------------- doors

async function mutation(field: string, inputType: string, input: Record<string, unknown>, token = operator) {
  const answer = await gql<Record<string, JobView>>(
    lab.app,
    token,
    `mutation ($input: ${inputType}!) { ${field}(input: $input) { ${JOB_FIELDS} } }`,
    { input: { reason: 'swarm objects test', ...input } },
  );
  answers.push(JSON.stringify(answer));
  return answer;
}

const mutate = async (field: string, inputType: string, input: Record<string, unknown>) =>
  dataOf(await mutation(field, inputType, { swarm: 'beta', ...input }))[field]!;

async function rest(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
  token = operator,
) {
  const response = await lab.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
  answers.push(response.body);
  return response;
}

async function query<T>(text: string, variables: Record<string, unknown> = {}, token = viewer) {
  const answer = await gql<T>(lab.app, token, text, variables);
  answers.push(JSON.stringify(answer));
  return answer;
}

const untilEnded = (id: string, timeoutMs = 120_000) =>
  untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, { timeoutMs, intervalMs: 200, showJob: true });

async function succeeded(job: { id: string }) {
  const ended = await untilEnded(job.id);
  answers.push(JSON.stringify(ended));
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  return { ...ended, outcome: JSON.parse(ended.result ?? '{}') as Record<string, unknown> };
}

/** The GraphQL error code of a refused mutation or read. */
function codeOf(answer: { errors?: { extensions?: Record<string, unknown> }[] | undefined }): unknown {
  return answer.errors?.[0]?.extensions?.code;
}

// ---------------------------------------------------------------- docker's view

const inspectNetwork = (ref: string) =>
  docker.getNetwork(ref).inspect() as Promise<unknown> as Promise<DockerNetwork>;
const gone = (read: Promise<unknown>) =>
  read.then(
    () => false,
    (error: { statusCode?: number }) => error.statusCode === 404,
  );

/** A service of beta's workers that uses the given networks, secrets and configs; no tasks unless `replicas`. */
async function userService(
  serviceName: string,
  attach: {
    networks?: string[];
    secrets?: { id: string; name: string; target: string }[];
    configs?: { id: string; name: string; target: string }[];
  },
  replicas = 0,
): Promise<string> {
  const created = (await docker.createService({
    Name: serviceName,
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
        Secrets: (attach.secrets ?? []).map((secret) => ({
          SecretID: secret.id,
          SecretName: secret.name,
          File: { Name: secret.target, UID: '0', GID: '0', Mode: 0o400 },
        })),
        Configs: (attach.configs ?? []).map((config) => ({
          ConfigID: config.id,
          ConfigName: config.name,
          File: { Name: config.target, UID: '0', GID: '0', Mode: 0o444 },
        })),
      },
      Networks: (attach.networks ?? []).map((target) => ({ Target: target })),
      Placement: { Constraints: ['node.hostname==beta-w1'] },
    },
    Mode: { Replicated: { Replicas: replicas } },
  } as unknown as Docker.CreateServiceOptions)) as { ID?: string; id?: string };
  const id = created.ID ?? created.id;
  assert.ok(id);
  createdServices.push(id);
  return id;
}

async function removeService(id: string): Promise<void> {
  await docker.getService(id).remove();
  createdServices.splice(createdServices.indexOf(id), 1);
}

const NETWORK_FIELDS = `id name driver scope attachable internal ingress encrypted labels { key value }
  subnets { subnet gateway ipRange } createdAt services { id name }`;
const FILE_OBJECT_FIELDS = 'id name labels { key value } version createdAt updatedAt services { id name }';

// ---------------------------------------------------------------- networks

const NET = name('net');
const NET_REST = name('net-rest');

test('createNetwork makes the overlay network asked for (attachable, internal, encrypted, labels, a subnet), read back through both doors', async () => {
  const job = await mutate('createNetwork', 'CreateNetworkInput', {
    name: NET,
    attachable: true,
    internal: true,
    encrypted: true,
    labels: [{ key: 'team', value: 'ops' }],
    subnets: [{ subnet: SUBNET, gateway: `${prefix24}.1`, ipRange: `${prefix24}.128/25` }],
  });
  const { outcome } = await succeeded(job);
  assert.equal(job.type, 'network.create');
  assert.equal(outcome.created, true);

  const network = await inspectNetwork(NET);
  assert.equal(outcome.id, network.Id);
  assert.equal(network.Driver, 'overlay');
  assert.equal(network.Scope, 'swarm');
  assert.equal(network.Attachable, true);
  assert.equal(network.Internal, true);
  assert.ok(network.Options && 'encrypted' in network.Options, JSON.stringify(network.Options));
  assert.equal(network.Labels?.team, 'ops');
  assert.equal(network.Labels?.['com.swarmgate.job'], job.id, 'the job labels what it creates');
  assert.deepEqual(network.IPAM?.Config, [
    { Subnet: SUBNET, Gateway: `${prefix24}.1`, IPRange: `${prefix24}.128/25` },
  ]);

  const read = dataOf(
    await query<{
      swarm: { network: Record<string, unknown>; networks: { items: { name: string; scope: string }[] } };
    }>(
      `query ($ref: String!) { swarm(id: "beta") { network(ref: $ref) { ${NETWORK_FIELDS} }
         networks(filter: { name: "${suffix}" }) { items { name scope } } } }`,
      { ref: network.Id.slice(0, 12) },
    ),
  ).swarm;
  assert.deepEqual(
    { ...read.network, createdAt: undefined },
    {
      id: network.Id,
      name: NET,
      driver: 'overlay',
      scope: 'swarm',
      attachable: true,
      internal: true,
      ingress: false,
      encrypted: true,
      labels: [
        { key: 'com.swarmgate.job', value: job.id },
        { key: 'team', value: 'ops' },
      ],
      subnets: [{ subnet: SUBNET, gateway: `${prefix24}.1`, ipRange: `${prefix24}.128/25` }],
      createdAt: undefined,
      services: [],
    },
  );
  assert.deepEqual(read.networks.items, [{ name: NET, scope: 'swarm' }]);

  // REST: the list holds only the swarm's networks (ingress yes; the engines' bridge, host and none no).
  const list = await rest('GET', '/v1/swarms/beta/networks?first=1000', undefined, viewer);
  assert.equal(list.statusCode, 200, list.body);
  const items = list.json<{ items: { name: string; scope: string; ingress: boolean }[] }>().items;
  assert.ok(items.some((item) => item.name === NET));
  assert.ok(
    items.some((item) => item.ingress),
    'the ingress network is listed',
  );
  assert.ok(
    items.every((item) => item.scope === 'swarm'),
    JSON.stringify(items.map((item) => item.name)),
  );
  assert.ok(!items.some((item) => ['bridge', 'host', 'none', 'docker_gwbridge'].includes(item.name)));
  const one = await rest('GET', `/v1/swarms/beta/networks/${NET}`, undefined, viewer);
  assert.equal(one.statusCode, 200, one.body);
  assert.equal(one.json<{ id: string }>().id, network.Id);
});

test('createNetwork refuses bad subnets, names and drivers with BAD_INPUT naming the field, through both doors', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { subnets: [{ subnet: '10.250.1.0/24', gateway: '10.250.2.1' }] },
      /subnets\[0\]\.gateway 10\.250\.2\.1 is not inside/,
    ],
    [{ subnets: [{ subnet: '10.250.1.7/24' }] }, /subnets\[0\]\.subnet.*host bits/],
    [{ subnets: [{ subnet: 'not-a-cidr' }] }, /subnets\[0\]\.subnet must be a CIDR/],
    [
      { subnets: [{ subnet: '10.250.0.0/16' }, { subnet: '10.250.3.0/24' }] },
      /subnets\[1\]\.subnet 10\.250\.3\.0\/24 overlaps subnets\[0\]\.subnet/,
    ],
    [
      { subnets: [{ subnet: '10.250.1.0/24', ipRange: '10.250.9.0/25' }] },
      /subnets\[0\]\.ipRange .* is not inside/,
    ],
    [{ name: '-bad name' }, /name must be/],
    [{ labels: [{ key: 'com.docker.stack.namespace', value: 'x' }] }, /reserved/],
  ];
  for (const [input, message] of cases) {
    const answer = await mutation('createNetwork', 'CreateNetworkInput', {
      swarm: 'beta',
      name: name('bad'),
      ...input,
    });
    assert.equal(codeOf(answer), 'BAD_INPUT', JSON.stringify(answer));
    assert.match(answer.errors?.[0]?.message ?? '', message);
    const response = await rest('POST', '/v1/swarms/beta/networks', { name: name('bad'), ...input });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json<{ detail: string }>().detail, message);
  }
  const bridge = await rest('POST', '/v1/swarms/beta/networks', { name: name('bad'), driver: 'bridge' });
  assert.equal(bridge.statusCode, 400, bridge.body);
  const bridgeGql = await mutation('createNetwork', 'CreateNetworkInput', {
    swarm: 'beta',
    name: name('bad'),
    driver: 'bridge',
  });
  assert.equal(codeOf(bridgeGql), 'BAD_INPUT');
  assert.ok(await gone(inspectNetwork(name('bad'))), 'nothing was created');
  // The same name again: CONFLICT before anything is queued.
  const again = await mutation('createNetwork', 'CreateNetworkInput', { swarm: 'beta', name: NET });
  assert.equal(codeOf(again), 'CONFLICT', JSON.stringify(again));
});

test('removeNetwork: CONFLICT naming the service that uses it; after that service goes, removed (and removed again is success)', async () => {
  const created = await rest('POST', '/v1/swarms/beta/networks', {
    name: NET_REST,
    labels: [{ key: 'door', value: 'rest' }],
  });
  assert.ok([200, 202].includes(created.statusCode), created.body);
  await succeeded(created.json<{ id: string }>());
  const network = await inspectNetwork(NET_REST);
  assert.equal(network.Driver, 'overlay');
  assert.equal(network.Labels?.door, 'rest');

  const USER = name('net-user');
  const serviceId = await userService(USER, { networks: [network.Id] });
  const refused = await rest('DELETE', `/v1/swarms/beta/networks/${NET_REST}`);
  assert.equal(refused.statusCode, 409, refused.body);
  assert.match(refused.json<{ detail: string }>().detail, new RegExp(`in use by service "${USER}"`));
  const refusedGql = await mutation('removeNetwork', 'RemoveNetworkInput', {
    swarm: 'beta',
    network: NET_REST,
  });
  assert.equal(codeOf(refusedGql), 'CONFLICT');
  assert.match(refusedGql.errors?.[0]?.message ?? '', new RegExp(USER));
  const read = dataOf(
    await query<{ swarm: { network: { services: { name: string }[] } } }>(
      `{ swarm(id: "beta") { network(ref: "${NET_REST}") { services { name } } } }`,
    ),
  );
  assert.deepEqual(read.swarm.network.services, [{ name: USER }]);
  assert.ok(!(await gone(inspectNetwork(NET_REST))), 'the network is still there');

  await removeService(serviceId);
  const removed = await succeeded(await mutate('removeNetwork', 'RemoveNetworkInput', { network: NET_REST }));
  assert.equal(removed.outcome.removed, true, JSON.stringify(removed.outcome));
  assert.ok(await gone(inspectNetwork(NET_REST)), 'docker no longer has the network');
  const again = await rest('DELETE', `/v1/swarms/beta/networks/${NET_REST}`);
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json<{ result: { removed: boolean } }>().result.removed, false);

  // The first network (encrypted, internal) goes through GraphQL, by ID prefix.
  const first = await inspectNetwork(NET);
  await succeeded(await mutate('removeNetwork', 'RemoveNetworkInput', { network: first.Id.slice(0, 10) }));
  assert.ok(await gone(inspectNetwork(NET)));
});

// ---------------------------------------------------------------- secrets and configs

const SECRET = name('secret');
const SECRET_B64 = name('secret-b64');
const CONFIG = name('config');

test('createSecret keeps the value write-only: created in Docker, never in an answer; 500 KiB + 1 is BAD_INPUT', async () => {
  const value = secretValue('plain');
  sentValues.push(value);
  const job = await mutate('createSecret', 'CreateSecretInput', {
    name: SECRET,
    value,
    labels: [{ key: 'app', value: 'web' }],
  });
  const { outcome, parameters } = await succeeded(job);
  assert.equal(outcome.created, true);
  const stored = JSON.parse(parameters) as Record<string, unknown>;
  assert.equal(stored.secretData, '[REDACTED]');
  assert.equal(stored.size, Buffer.byteLength(value));
  // No hash of the value either: whoever reads the audit could test guesses of a short secret against it.
  assert.equal(stored.sha256, undefined);

  const secret = (await docker.getSecret(SECRET).inspect()) as DockerSecret;
  assert.equal(secret.Spec.Labels?.app, 'web');
  assert.equal(secret.Spec.Data, undefined, 'Docker never sends a value back');

  const binary = Buffer.concat([Buffer.from(secretValue('b64')), Buffer.from([0, 255, 1])]);
  sentValues.push(binary.toString('base64'));
  const restJob = await rest('POST', '/v1/swarms/beta/secrets', {
    name: SECRET_B64,
    value: binary.toString('base64'),
    encoding: 'BASE64',
  });
  assert.ok([200, 202].includes(restJob.statusCode), restJob.body);
  const restOutcome = await succeeded(restJob.json<{ id: string }>());
  assert.equal((JSON.parse(restOutcome.parameters) as { size: number }).size, binary.length);

  // Read back, both doors: names, labels, versions, never a value.
  const read = dataOf(
    await query<{ swarm: { secret: Record<string, unknown>; secrets: { items: { name: string }[] } } }>(
      `{ swarm(id: "beta") { secret(ref: "${SECRET}") { ${FILE_OBJECT_FIELDS} }
         secrets(filter: { name: "${suffix}" }) { items { name } } } }`,
    ),
  ).swarm;
  assert.equal(read.secret.id, secret.ID);
  assert.deepEqual(read.secret.labels, [
    { key: 'app', value: 'web' },
    { key: 'com.swarmgate.job', value: job.id },
  ]);
  assert.deepEqual(read.secrets.items.map((item) => item.name).sort(), [SECRET, SECRET_B64].sort());
  const one = await rest('GET', `/v1/swarms/beta/secrets/${secret.ID.slice(0, 8)}`, undefined, viewer);
  assert.equal(one.statusCode, 200, one.body);
  assert.deepEqual(Object.keys(one.json<object>()).sort(), [
    'createdAt',
    'id',
    'labels',
    'name',
    'services',
    'swarmId',
    'updatedAt',
    'version',
  ]);

  // Docker's limit: 500 KiB. One byte more is BAD_INPUT through both doors, and nothing is created.
  const tooBig = `sg-test-secret-${'x'.repeat(500 * 1024 - 'sg-test-secret-'.length + 1)}`;
  const big = await mutation('createSecret', 'CreateSecretInput', {
    swarm: 'beta',
    name: name('big'),
    value: tooBig,
  });
  assert.equal(codeOf(big), 'BAD_INPUT', JSON.stringify(big).slice(0, 300));
  assert.match(big.errors?.[0]?.message ?? '', /512001 bytes; Docker takes at most 512000/);
  const bigRest = await rest('POST', '/v1/swarms/beta/secrets', { name: name('big'), value: tooBig });
  assert.equal(bigRest.statusCode, 400, bigRest.body.slice(0, 300));
  assert.ok(
    !bigRest.body.includes('xxxxxxxx') && !JSON.stringify(big).includes('xxxxxxxx'),
    'the value is never quoted',
  );
  assert.ok(await gone(docker.getSecret(name('big')).inspect()));
  const badBase64 = await rest('POST', '/v1/swarms/beta/secrets', {
    name: name('bad64'),
    value: `${secretValue('bad64')}!`,
    encoding: 'BASE64',
  });
  assert.equal(badBase64.statusCode, 400, badBase64.body);
  assert.ok(!badBase64.body.includes('sg-test-secret-'));
});

test('createConfig: data never shown, Docker has it; 1000 KiB + 1 is BAD_INPUT', async () => {
  const job = await succeeded(
    await mutate('createConfig', 'CreateConfigInput', {
      name: CONFIG,
      value: 'listen 8080\n',
      labels: [{ key: 'app', value: 'web' }],
    }),
  );
  assert.equal((JSON.parse(job.parameters) as { configData: string }).configData, '[REDACTED]');
  const config = (await docker.getConfig(CONFIG).inspect()) as DockerConfig;
  assert.equal(Buffer.from(config.Spec.Data ?? '', 'base64').toString(), 'listen 8080\n');
  const read = await rest('GET', `/v1/swarms/beta/configs/${CONFIG}`, undefined, viewer);
  assert.equal(read.statusCode, 200, read.body);
  assert.ok(!read.body.includes('listen 8080') && !read.body.includes(config.Spec.Data ?? '-'), read.body);
  const list = dataOf(
    await query<{ swarm: { configs: { items: { name: string; labels: { key: string }[] }[] } } }>(
      `{ swarm(id: "beta") { configs(filter: { label: "app=web" }) { items { name labels { key } } } } }`,
    ),
  );
  assert.ok(list.swarm.configs.items.some((item) => item.name === CONFIG));

  const big = await rest('POST', '/v1/swarms/beta/configs', {
    name: name('bigc'),
    value: 'y'.repeat(1000 * 1024 + 1),
  });
  assert.equal(big.statusCode, 400, big.body.slice(0, 300));
  assert.match(big.json<{ detail: string }>().detail, /1024001 bytes; Docker takes at most 1024000/);
});

test('removeSecret and removeConfig: CONFLICT naming the service while in use; removed after; gone is success', async () => {
  const secret = (await docker.getSecret(SECRET_B64).inspect()) as DockerSecret;
  const config = (await docker.getConfig(CONFIG).inspect()) as DockerConfig;
  const USER = name('file-user');
  const serviceId = await userService(USER, {
    secrets: [{ id: secret.ID, name: SECRET_B64, target: 'b64' }],
    configs: [{ id: config.ID, name: CONFIG, target: '/etc/app.conf' }],
  });

  const secretRefused = await rest('DELETE', `/v1/swarms/beta/secrets/${SECRET_B64}`);
  assert.equal(secretRefused.statusCode, 409, secretRefused.body);
  assert.match(secretRefused.json<{ detail: string }>().detail, new RegExp(`in use by service "${USER}"`));
  const configRefused = await mutation('removeConfig', 'RemoveConfigInput', {
    swarm: 'beta',
    config: CONFIG,
  });
  assert.equal(codeOf(configRefused), 'CONFLICT');
  assert.match(configRefused.errors?.[0]?.message ?? '', new RegExp(USER));
  const users = dataOf(
    await query<{
      swarm: {
        secret: { services: { id: string; name: string }[] };
        config: { services: { name: string }[] };
      };
    }>(
      `{ swarm(id: "beta") { secret(ref: "${SECRET_B64}") { services { id name } } config(ref: "${CONFIG}") { services { name } } } }`,
    ),
  ).swarm;
  assert.deepEqual(users.secret.services, [{ id: serviceId, name: USER }]);
  assert.deepEqual(users.config.services, [{ name: USER }]);

  await removeService(serviceId);
  await succeeded(await mutate('removeSecret', 'RemoveSecretInput', { secret: SECRET_B64 }));
  const removedConfig = await rest('DELETE', `/v1/swarms/beta/configs/${CONFIG}`);
  assert.ok([200, 202].includes(removedConfig.statusCode), removedConfig.body);
  await succeeded(removedConfig.json<{ id: string }>());
  assert.ok(await gone(docker.getSecret(SECRET_B64).inspect()));
  assert.ok(await gone(docker.getConfig(CONFIG).inspect()));
  const again = await succeeded(await mutate('removeSecret', 'RemoveSecretInput', { secret: SECRET_B64 }));
  assert.equal(again.outcome.removed, false);
});

// ---------------------------------------------------------------- rotation

test('rotateSecret moves a running service to the new secret (same file, uid, gid, mode), removes the old one, and does nothing when run again', async () => {
  const old = (await docker.getSecret(SECRET).inspect()) as DockerSecret;
  const ROTATED = name('rotated');
  const serviceId = await userService(
    ROTATED,
    { secrets: [{ id: old.ID, name: SECRET, target: 'app-secret' }] },
    1,
  );
  await waitUntil(
    `service ${ROTATED} to run`,
    async () => {
      const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as DockerTask[];
      return (
        tasks.some((task) => task.Status.State === 'running') || JSON.stringify(tasks.map((t) => t.Status))
      );
    },
    90_000,
  );

  const value = secretValue('rotated');
  sentValues.push(value);
  const started = await rest('POST', `/v1/swarms/beta/secrets/${SECRET}/rotate`, { value });
  assert.equal(started.statusCode, 202, started.body);
  assert.match(String(started.headers.location), /^\/v1\/jobs\//);
  const job = await succeeded(started.json<{ id: string }>());
  const newName = `${SECRET}-v2`;
  assert.equal(job.outcome.newSecretName, newName, 'the default name counts a version up');
  assert.deepEqual(job.outcome.services, [ROTATED]);
  assert.equal(job.outcome.oldRemoved, true);

  const service = (await docker.getService(serviceId).inspect()) as DockerService;
  const refs = service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? [];
  const fresh = (await docker.getSecret(newName).inspect()) as DockerSecret;
  assert.deepEqual(refs, [
    {
      SecretID: fresh.ID,
      SecretName: newName,
      File: { Name: 'app-secret', UID: '0', GID: '0', Mode: 0o400 },
    },
  ]);
  assert.equal(fresh.Spec.Labels?.app, 'web', "the old secret's labels go on");
  assert.ok(await gone(docker.getSecret(old.ID).inspect()), 'the old secret is gone');
  const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as DockerTask[];
  assert.ok(
    tasks.some((task) => task.DesiredState === 'running' && task.Status.State === 'running'),
    JSON.stringify(tasks.map((task) => task.Status)),
  );

  // Run again (as after a crash once it was done): no secret created, no service updated, nothing removed.
  const ctx = await resumedContext<'secret.rotate'>(lab.app, job.id);
  const again = await secretRotateProcessor(ctx);
  assert.equal(again.result?.oldRemoved, false);
  assert.equal(again.result?.newSecretId, fresh.ID);
  const after = (await docker.getService(serviceId).inspect()) as DockerService;
  assert.equal(after.Version.Index, service.Version.Index, 'the service was not updated twice');

  // The new name taken by someone else's secret: CONFLICT before anything happens.
  const taken = await mutation('rotateSecret', 'RotateSecretInput', {
    swarm: 'beta',
    secret: newName,
    value: secretValue('taken'),
    newName,
  });
  assert.equal(codeOf(taken), 'CONFLICT', JSON.stringify(taken));
  await removeService(serviceId);
  await succeeded(await mutate('removeSecret', 'RemoveSecretInput', { secret: newName }));
});

test('rotateSecret resumed after a crash in the middle of moving the services creates nothing twice and updates no service twice', async () => {
  // A gateway that only queues: its job is run here by hand, crashing once, then resumed.
  const queuer = await buildTestApp(
    { SWARMGATE_WORKER: 'off', SWARMGATE_QUEUE_PREFIX: `sgB-queue-${suffix}` },
    { database: lab.subject.db },
  );
  const OLD = name('crash');
  const NEW = name('crash-new');
  const USER = name('crash-user');
  try {
    const oldValue = secretValue('crash-old');
    const newValue = secretValue('crash-new');
    sentValues.push(oldValue, newValue);
    await succeeded(await mutate('createSecret', 'CreateSecretInput', { name: OLD, value: oldValue }));
    const old = (await docker.getSecret(OLD).inspect()) as DockerSecret;
    const serviceId = await userService(USER, { secrets: [{ id: old.ID, name: OLD, target: 'crash' }] }, 1);

    const queued = dataOf(
      await gql<{ rotateSecret: { id: string; state: string } }>(
        queuer.app,
        operator,
        'mutation ($input: RotateSecretInput!) { rotateSecret(input: $input) { id state } }',
        { input: { swarm: 'beta', secret: OLD, value: newValue, newName: NEW } },
      ),
    ).rotateSecret;
    assert.equal(queued.state, 'QUEUED');

    // First run: the worker dies once the service's update was sent (its first progress while following it).
    const crash = new Error('worker killed');
    const first = await resumedContext<'secret.rotate'>(queuer.app, queued.id);
    await assert.rejects(
      secretRotateProcessor({
        ...first,
        progress: (_percent, step, message) =>
          step === 'updating' && message?.startsWith('service ') ? Promise.reject(crash) : Promise.resolve(),
      }),
      crash,
    );
    const made = (await docker.getSecret(NEW).inspect()) as DockerSecret;
    assert.equal(made.Spec.Labels?.['com.swarmgate.job'], queued.id);
    assert.ok(
      !(await gone(docker.getSecret(old.ID).inspect())),
      'the old secret is still there after the crash',
    );

    // Resumed by another worker: it goes on from what the swarm shows.
    const resumed = await secretRotateProcessor(await resumedContext<'secret.rotate'>(queuer.app, queued.id));
    assert.equal(resumed.result?.newSecretId, made.ID, 'no second secret');
    assert.deepEqual(resumed.result?.services, [USER]);
    assert.equal(resumed.result?.oldRemoved, true);
    const service = (await docker.getService(serviceId).inspect()) as DockerService;
    assert.deepEqual(
      service.Spec.TaskTemplate.ContainerSpec?.Secrets?.map((ref) => ref.SecretID),
      [made.ID],
    );
    assert.deepEqual(
      service.PreviousSpec?.TaskTemplate.ContainerSpec?.Secrets?.map((ref) => ref.SecretID),
      [old.ID],
      'updated once: the previous spec is the one with the old secret',
    );
    assert.ok(await gone(docker.getSecret(old.ID).inspect()));
    await removeService(serviceId);
  } finally {
    await queuer.close();
    // The queue nobody consumed goes too.
    const keys = await lab.app.redis.keys(`sgB-queue-${suffix}:*`);
    if (keys.length > 0) await lab.app.redis.del(...keys);
  }
});

// ---------------------------------------------------------------- tenancy

test("another tenant gets NOT_FOUND for every read and mutation of beta's networks, secrets and configs", async () => {
  const value = secretValue('red');
  sentValues.push(value);
  const reads = [
    '/v1/swarms/beta/networks',
    '/v1/swarms/beta/networks/ingress',
    '/v1/swarms/beta/secrets',
    `/v1/swarms/beta/secrets/${SECRET}`,
    '/v1/swarms/beta/configs',
    `/v1/swarms/beta/configs/${CONFIG}`,
  ];
  for (const url of reads) {
    const response = await rest('GET', url, undefined, redOperator);
    assert.equal(response.statusCode, 404, `${url}: ${response.body}`);
  }
  const writes: [string, string, Record<string, unknown>][] = [
    ['POST', '/v1/swarms/beta/networks', { name: name('red') }],
    ['DELETE', '/v1/swarms/beta/networks/ingress', {}],
    ['POST', '/v1/swarms/beta/secrets', { name: name('red'), value }],
    ['DELETE', `/v1/swarms/beta/secrets/${SECRET}`, {}],
    ['POST', `/v1/swarms/beta/secrets/${SECRET}/rotate`, { value }],
    ['POST', '/v1/swarms/beta/configs', { name: name('red'), value: 'x' }],
    ['DELETE', `/v1/swarms/beta/configs/${CONFIG}`, {}],
  ];
  for (const [method, url, body] of writes) {
    const response = await rest(
      method as 'POST' | 'DELETE',
      url,
      method === 'POST' ? body : undefined,
      redOperator,
    );
    assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
  }
  const mutations: [string, string, Record<string, unknown>][] = [
    ['createNetwork', 'CreateNetworkInput', { name: name('red') }],
    ['removeNetwork', 'RemoveNetworkInput', { network: 'ingress' }],
    ['createSecret', 'CreateSecretInput', { name: name('red'), value }],
    ['removeSecret', 'RemoveSecretInput', { secret: SECRET }],
    ['rotateSecret', 'RotateSecretInput', { secret: SECRET, value }],
    ['createConfig', 'CreateConfigInput', { name: name('red'), value: 'x' }],
    ['removeConfig', 'RemoveConfigInput', { config: CONFIG }],
  ];
  for (const [field, inputType, input] of mutations) {
    const answer = await mutation(field, inputType, { swarm: 'beta', ...input }, redOperator);
    assert.equal(codeOf(answer), 'NOT_FOUND', `${field}: ${JSON.stringify(answer)}`);
  }
  const read = await query<{ swarm: unknown }>(
    `{ swarm(id: "beta") { networks { totalCount } secrets { totalCount } } }`,
    {},
    redOperator,
  );
  assert.equal(read.data?.swarm ?? null, null);
  assert.equal(codeOf(read), 'NOT_FOUND');
  assert.ok(await gone(docker.getSecret(name('red')).inspect()), 'nothing of red reached beta');
  assert.ok(await gone(inspectNetwork(name('red'))));
  // A viewer of beta's own tenant reads but may not change.
  const viewerWrite = await mutation(
    'createSecret',
    'CreateSecretInput',
    { swarm: 'beta', name: name('viewer'), value },
    viewer,
  );
  assert.equal(codeOf(viewerWrite), 'FORBIDDEN');
});

// ---------------------------------------------------------------- events

test('swarmEvents: the create and remove of a secret and a network made through the gateway reach a subscriber', async () => {
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
  const subscriber = await GraphqlWsClient.open(url);
  try {
    await subscriber.init({ authorization: `Bearer ${viewer}` });
    subscriber.subscribe(
      'events',
      'subscription { swarmEvents(swarm: "beta") { swarmId type action actorId actorName } }',
    );
    type Event = { swarmId: string; type: string; action: string; actorId: string; actorName: string | null };
    const seen =
      (type: string, action: string, actorName: string) =>
      (message: { id?: string; type: string; payload?: unknown }) => {
        const event = (message.payload as { data?: { swarmEvents?: Event } } | undefined)?.data?.swarmEvents;
        return (
          message.id === 'events' &&
          event?.type === type &&
          event.action === action &&
          event.actorName === actorName
        );
      };
    // The server subscribes after the subscribe message without acknowledging it: try until one arrives.
    let secretName = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const candidate = name(`evt${attempt}`);
      const value = secretValue(`evt${attempt}`);
      sentValues.push(value);
      await succeeded(await mutate('createSecret', 'CreateSecretInput', { name: candidate, value }));
      await succeeded(await mutate('removeSecret', 'RemoveSecretInput', { secret: candidate }));
      if (await subscriber.waitFor(seen('secret', 'create', candidate), 4000)) {
        secretName = candidate;
        break;
      }
    }
    assert.ok(
      secretName,
      `no secret create event arrived: ${JSON.stringify(subscriber.messages).slice(0, 2000)}`,
    );
    assert.ok(
      await subscriber.waitFor(seen('secret', 'remove', secretName), 10_000),
      'the remove event arrives too',
    );

    const net = name('evt-net');
    await succeeded(await mutate('createNetwork', 'CreateNetworkInput', { name: net }));
    assert.ok(
      await subscriber.waitFor(seen('network', 'create', net), 10_000),
      'a network create event arrives',
    );
    await succeeded(await mutate('removeNetwork', 'RemoveNetworkInput', { network: net }));
    assert.ok(
      await subscriber.waitFor(seen('network', 'remove', net), 10_000),
      'a network remove event arrives',
    );
  } finally {
    subscriber.terminate();
  }
});

// ---------------------------------------------------------------- no value anywhere

test('no secret value sent in this file is in an answer, a job row, an audit row or the gateway log', async () => {
  assert.ok(sentValues.length >= 5);
  const marker = 'sg-test-secret-';
  for (const answer of answers)
    assert.ok(!answer.includes(marker), `an answer holds a value: ${answer.slice(0, 300)}`);

  const client = new pg.Client({ connectionString: lab.subject.db.url });
  await client.connect();
  try {
    const jobs = await client.query<{ type: string; body: string }>(
      `SELECT type, concat_ws(' ', parameters::text, result::text, error_message, target::text, progress_message) AS body
         FROM jobs WHERE type ~ '^(secret|config|network)[.]'`,
    );
    assert.ok(jobs.rows.some((row) => row.type === 'secret.rotate'));
    for (const row of jobs.rows) {
      assert.ok(!row.body.includes(marker), `job row ${row.type} holds a value: ${row.body.slice(0, 300)}`);
      for (const value of sentValues) assert.ok(!row.body.includes(value));
    }
    const audit = await client.query<{ action: string; body: string }>(
      "SELECT action, row_to_json(a)::text AS body FROM audit_events a WHERE action ~ '^(secret|config|network)[.]'",
    );
    const actions = new Set(audit.rows.map((row) => row.action));
    for (const action of [
      'network.create',
      'network.remove',
      'secret.create',
      'secret.remove',
      'secret.rotate',
      'config.create',
      'config.remove',
    ]) {
      assert.ok(actions.has(action), `audited: ${action}`);
    }
    for (const row of audit.rows) {
      assert.ok(
        !row.body.includes(marker),
        `audit row ${row.action} holds a value: ${row.body.slice(0, 300)}`,
      );
    }
  } finally {
    await client.end();
  }
  const { file } = testLogger();
  assert.ok(existsSync(file));
  const leaking = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(marker));
  assert.deepEqual(
    leaking.map((line) => line.slice(0, 200)),
    [],
  );
});
