// The swarm policy on the lab's beta swarm (tenant blue): a bind mount of `/` is refused (FORBIDDEN) through both
// doors and audited as refused; an operator may not set the policy, an admin may (audited swarm.policy.set with the
// paths); then the same bind mount is accepted and runs; another tenant cannot see or set this swarm's policy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerService } from '../../../src/docker/types.ts';
import { serviceCreateProcessor } from '../../../src/jobs/processors/service-create.ts';
import { GatewayError } from '../../../src/errors.ts';
import {
  resumedContext,
  SERVICE_JOB_FIELDS as JOB_FIELDS,
  untilJobEnds,
  type ServiceJob,
} from '../../helpers/jobs.ts';
import { dockerFor, labEngine } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const suffix = randomBytes(3).toString('hex');
const SERVICE = `sgA-bind-${suffix}`;
const REST_SERVICE = `sgA-bind-rest-${suffix}`;

let lab: RedBlue;
let docker: Docker;
let operator: string;
/** The create job that succeeded once the policy allowed its bind mount. */
let createJobId = '';

const POLICY_FIELDS = 'bindMountPaths capabilities allowPrivileges';
const SET_POLICY = `mutation ($input: SetSwarmPolicyInput!) { setSwarmPolicy(input: $input) { ${POLICY_FIELDS} } }`;

const serviceInput = (name: string) => ({
  name,
  image: 'swarmgate/probe:1',
  args: ['sh', '-c', "test -d /host/etc || exit 1; trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
  mounts: [{ type: 'BIND', source: '/', target: '/host', readOnly: true }],
  capabilityAdd: ['NET_ADMIN'],
  /** Filled in before(): away from the spare engines. */
  constraints: [] as string[],
});

const INPUT = serviceInput(SERVICE);

before(async () => {
  lab = await setupRedBlue();
  docker = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  operator = tokenFor('blue', ['operator']);
  INPUT.constraints.push(
    ...lab.inventory.engines
      .filter((engine) => engine.swarm === null)
      .map((engine) => `node.hostname!=${engine.name}`),
  );
});

after(async () => {
  for (const name of [SERVICE, REST_SERVICE]) {
    await docker
      ?.getService(name)
      .remove()
      .catch(() => undefined);
  }
  await lab?.subject.close();
});

const rest = (
  token: string,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: Record<string, unknown>,
) =>
  lab.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

async function createThroughGraphql() {
  return gql<{ createService: ServiceJob }>(
    lab.app,
    operator,
    `mutation ($input: CreateServiceInput!) { createService(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'beta', reason: 'policy test', ...INPUT } },
  );
}

interface AuditEventView {
  outcome: string;
  action: string;
  errorCode: string | null;
  errorMessage: string | null;
  parameters: string;
  result: string | null;
  actor: { sub: string; source: string };
  target: { serviceName: string | null };
}

async function auditEvents(action: string): Promise<AuditEventView[]> {
  const answer = await gql<{ auditEvents: { items: AuditEventView[] } }>(
    lab.app,
    lab.tokens.blueAdmin,
    `query ($action: String) { auditEvents(filter: { action: $action }, first: 100) { items {
       outcome action errorCode errorMessage parameters result actor { sub source } target { serviceName } } } }`,
    { action },
  );
  return dataOf(answer).auditEvents.items;
}

test('a new swarm allows nothing: both doors read an empty policy', async () => {
  const answer = await gql<{ swarm: { policy: Record<string, unknown> } }>(
    lab.app,
    lab.tokens.blueViewer,
    `{ swarm(id: "beta") { policy { ${POLICY_FIELDS} } } }`,
  );
  const empty = { bindMountPaths: [], capabilities: [], allowPrivileges: false };
  assert.deepEqual(dataOf(answer).swarm.policy, empty);
  const response = await rest(lab.tokens.blueViewer, 'GET', '/v1/swarms/beta/policy');
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json(), empty);
});

test('a bind mount of / is refused (FORBIDDEN) through both doors, before anything is queued, and audited', async () => {
  const answer = await createThroughGraphql();
  assert.equal(answer.errors?.[0]?.extensions.code, 'FORBIDDEN', JSON.stringify(answer));
  assert.match(answer.errors?.[0]?.message ?? '', /host path \/ .*setSwarmPolicy/);

  const response = await rest(operator, 'POST', '/v1/swarms/beta/services', {
    ...serviceInput(REST_SERVICE),
    constraints: INPUT.constraints,
  });
  assert.equal(response.statusCode, 403, response.body);
  assert.equal(response.json<{ code: string }>().code, 'FORBIDDEN');

  const refused = (await auditEvents('service.create')).filter((event) => event.outcome === 'REFUSED');
  assert.deepEqual(new Set(refused.map((event) => event.actor.source)), new Set(['graphql', 'rest']));
  for (const event of refused) assert.equal(event.errorCode, 'FORBIDDEN');
  await assert.rejects(docker.getService(SERVICE).inspect(), /no such service|not found/i);
});

test('path tricks do not get around it: /etc/../ and // are /', async () => {
  for (const source of ['/etc/../', '//', '/var/lib/../..']) {
    const answer = await gql<{ createService: ServiceJob }>(
      lab.app,
      operator,
      `mutation ($input: CreateServiceInput!) { createService(input: $input) { id } }`,
      { input: { swarm: 'beta', ...INPUT, mounts: [{ type: 'BIND', source, target: '/host' }] } },
    );
    assert.equal(answer.errors?.[0]?.extensions.code, 'FORBIDDEN', source);
  }
});

test('an operator may not set the policy (FORBIDDEN, audited refused); malformed paths are BAD_INPUT', async () => {
  const answer = await gql(lab.app, operator, SET_POLICY, {
    input: { swarm: 'beta', bindMountPaths: ['/'], capabilities: [], allowPrivileges: false },
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const response = await rest(operator, 'PUT', '/v1/swarms/beta/policy', {
    bindMountPaths: ['/'],
    capabilities: [],
    allowPrivileges: false,
  });
  assert.equal(response.statusCode, 403, response.body);
  const refused = (await auditEvents('swarm.policy.set')).filter((event) => event.outcome === 'REFUSED');
  assert.equal(refused.length, 2, 'both refusals are audited');

  const relative = await rest(lab.tokens.blueAdmin, 'PUT', '/v1/swarms/beta/policy', {
    bindMountPaths: ['etc'],
    capabilities: [],
    allowPrivileges: false,
  });
  assert.equal(relative.statusCode, 400, relative.body);
  assert.match(relative.json<{ detail: string }>().detail, /bindMountPaths\[0\]/);
  const capability = await rest(lab.tokens.blueAdmin, 'PUT', '/v1/swarms/beta/policy', {
    bindMountPaths: [],
    capabilities: ['NOT_A_CAP'],
    allowPrivileges: false,
  });
  assert.equal(capability.statusCode, 400, capability.body);
});

test('another tenant gets NOT_FOUND for this swarm’s policy, reading or setting it', async () => {
  const read = await rest(lab.tokens.redAdmin, 'GET', '/v1/swarms/beta/policy');
  assert.equal(read.statusCode, 404, read.body);
  const set = await rest(lab.tokens.redAdmin, 'PUT', `/v1/swarms/${lab.beta.id}/policy`, {
    bindMountPaths: ['/'],
    capabilities: [],
    allowPrivileges: false,
  });
  assert.equal(set.statusCode, 404, set.body);
  const answer = await gql(lab.app, lab.tokens.redAdmin, SET_POLICY, {
    input: { swarm: 'beta', bindMountPaths: ['/'], capabilities: [], allowPrivileges: false },
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
});

test('an admin sets the policy (audited swarm.policy.set with the paths); the bind mount is then accepted and runs', async () => {
  const answer = await gql<{ setSwarmPolicy: Record<string, unknown> }>(
    lab.app,
    lab.tokens.blueAdmin,
    SET_POLICY,
    {
      input: {
        swarm: 'beta',
        bindMountPaths: ['//'],
        capabilities: ['net_admin'],
        allowPrivileges: false,
        reason: 'the probe reads the host',
      },
    },
  );
  assert.deepEqual(dataOf(answer).setSwarmPolicy, {
    bindMountPaths: ['/'],
    capabilities: ['CAP_NET_ADMIN'],
    allowPrivileges: false,
  });
  const response = await rest(lab.tokens.blueViewer, 'GET', '/v1/swarms/beta/policy');
  assert.deepEqual(response.json<{ bindMountPaths: string[] }>().bindMountPaths, ['/']);

  const succeeded = (await auditEvents('swarm.policy.set')).find((event) => event.outcome === 'SUCCEEDED');
  assert.ok(succeeded, 'the change is audited');
  const parameters = JSON.parse(succeeded.parameters) as { bindMountPaths: string[] };
  assert.deepEqual(parameters.bindMountPaths, ['//'], 'the request is audited as given');
  const result = JSON.parse(succeeded.result ?? '{}') as { policy: { bindMountPaths: string[] } };
  assert.deepEqual(result.policy.bindMountPaths, ['/'], 'the outcome records the policy as stored');

  // A capability the policy does not list stays refused.
  const sysAdmin = await gql(
    lab.app,
    operator,
    `mutation ($input: CreateServiceInput!) { createService(input: $input) { id } }`,
    { input: { swarm: 'beta', ...INPUT, capabilityAdd: ['SYS_ADMIN'] } },
  );
  assert.equal(sysAdmin.errors?.[0]?.extensions.code, 'FORBIDDEN');
  assert.match(sysAdmin.errors?.[0]?.message ?? '', /CAP_SYS_ADMIN/);

  const created = await createThroughGraphql();
  const job = await untilJobEnds<ServiceJob>(
    lab.app,
    operator,
    JOB_FIELDS,
    dataOf(created).createService.id,
    {
      timeoutMs: 120_000,
      intervalMs: 200,
    },
  );
  assert.equal(job.state, 'SUCCEEDED', JSON.stringify(job));
  createJobId = job.id;
  const service = (await docker.getService(SERVICE).inspect()) as DockerService;
  assert.deepEqual(service.Spec.TaskTemplate.ContainerSpec?.Mounts, [
    { Type: 'bind', Source: '/', Target: '/host', ReadOnly: true },
  ]);
  assert.deepEqual(service.Spec.TaskTemplate.ContainerSpec?.CapabilityAdd, ['CAP_NET_ADMIN']);
});

test('once the policy no longer allows it, an update of that service is refused: the whole spec is checked', async () => {
  dataOf(
    await gql(lab.app, lab.tokens.blueAdmin, SET_POLICY, {
      input: { swarm: 'beta', bindMountPaths: ['/srv'], capabilities: [], allowPrivileges: false },
    }),
  );
  const response = await lab.app.inject({
    method: 'PATCH',
    url: `/v1/swarms/beta/services/${SERVICE}`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { hostname: 'sga-bind' },
  });
  assert.equal(response.statusCode, 403, response.body);
  assert.match(response.json<{ detail: string }>().detail, /host path \/ /);
  const refused = (await auditEvents('service.update')).find((event) => event.outcome === 'REFUSED');
  assert.equal(refused?.errorCode, 'FORBIDDEN');
  assert.equal(refused.target.serviceName, SERVICE, 'the refusal names the service');
});

test('the job checks the policy again when it runs: the create job run again now is FORBIDDEN', async () => {
  assert.ok(createJobId, 'the create job of the test above');
  await assert.rejects(
    serviceCreateProcessor(await resumedContext<'service.create'>(lab.app, createJobId)),
    (error: unknown) =>
      error instanceof GatewayError && error.code === 'FORBIDDEN' && /setSwarmPolicy/.test(error.message),
  );
});
