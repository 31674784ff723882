// Service lifecycle against the lab's beta swarm through both doors: create (idempotent by name and spec),
// scale 4 → 2 → 0 → 4, label updates and their rollback, removal (idempotent), refusals, failures (IMAGE_MISSING,
// JOB_TIMEOUT) whose jobs still name the service they created, and the audit of each.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { DockerService, DockerTask } from '../../../src/docker/types.ts';
import {
  failedJobLogLines,
  SERVICE_JOB_FIELDS as JOB_FIELDS,
  untilJobEnds,
  type ServiceJob as JobView,
} from '../../helpers/jobs.ts';
import { dockerFor, labEngine } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const REASON = 'lifecycle test';

const suffix = randomBytes(3).toString('hex');
const WEB = `sgt-web-${suffix}`;
const AGENT = `sgt-agent-${suffix}`;
const MISSING = `sgt-missing-${suffix}`;
const NOWHERE = `sgt-nowhere-${suffix}`;

let lab: RedBlue;
let docker: Docker;
let operator: string;

before(async () => {
  lab = await setupRedBlue();
  docker = dockerFor(labEngine(lab.inventory, 'beta-m1'));
  // Olivia, operator of blue (beta's tenant), through the chatops bot.
  operator = tokenFor('blue', ['operator'], { sub: 'olivia', act: { sub: 'chatops-bot' } });
  WEB_INPUT.constraints.push(...awayFromSpares(lab));
});

/**
 * Placement constraints that keep tasks off the lab's spare engines: another engineer's test may join one to
 * beta and make it leave again, which would fail the tasks placed on it.
 */
function awayFromSpares({ inventory }: RedBlue): string[] {
  return inventory.engines
    .filter((engine) => engine.swarm === null)
    .map((engine) => `node.hostname!=${engine.name}`);
}

after(async () => {
  // Whatever a failed test left behind goes.
  for (const name of [WEB, AGENT, MISSING, NOWHERE]) {
    await docker
      ?.getService(name)
      .remove()
      .catch(() => undefined);
  }
  await lab?.subject.close();
});

const WEB_INPUT = {
  name: WEB,
  image: 'swarmgate/probe:1',
  replicas: 4,
  env: ['GREETING=hello', 'EMPTY='],
  labels: [{ key: 'team', value: 'ops' }],
  updateConfig: { parallelism: 2, delaySeconds: 0.5, order: 'START_FIRST', monitorSeconds: 1 },
  rollbackConfig: { parallelism: 0, failureAction: 'CONTINUE' },
  ports: [{ targetPort: 8080 }],
  args: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
  /** Filled in before(): away from the spare engines, which another test may join to beta for a while. */
  constraints: [] as string[],
};

async function mutation(field: string, inputType: string, input: Record<string, unknown>, token = operator) {
  return gql<Record<string, JobView>>(
    lab.app,
    token,
    `mutation ($input: ${inputType}!) { ${field}(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'beta', reason: REASON, ...input } },
  );
}

async function mutate(field: string, inputType: string, input: Record<string, unknown>): Promise<JobView> {
  return dataOf(await mutation(field, inputType, input))[field]!;
}

const untilEnded = (id: string, timeoutMs = 90_000): Promise<JobView> =>
  untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, { timeoutMs, intervalMs: 100, showJob: true });

/** The job (as either door answered it) once ended, read through GraphQL, which must say SUCCEEDED. */
async function succeeded(job: { id: string }): Promise<JobView & { outcome: Record<string, unknown> }> {
  const ended = await untilEnded(job.id);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  return { ...ended, outcome: JSON.parse(ended.result ?? '{}') as Record<string, unknown> };
}

const inspect = async (name: string) => (await docker.getService(name).inspect()) as DockerService;
async function runningTasks(name: string): Promise<DockerTask[]> {
  const service = await inspect(name);
  const tasks = (await docker.listTasks({ filters: { service: [service.ID] } })) as DockerTask[];
  return tasks.filter(
    (task) =>
      task.ServiceID === service.ID && task.DesiredState === 'running' && task.Status.State === 'running',
  );
}

const rest = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
  lab.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${operator}` },
    ...(payload ? { payload } : {}),
  });

test('createService builds the spec Docker runs, and the same name and spec again succeeds with the same service', async () => {
  const started = Date.now();
  const first = await succeeded(await mutate('createService', 'CreateServiceInput', WEB_INPUT));
  console.log(`createService ${WEB} (4 replicas): ${Date.now() - started} ms`);
  assert.equal(first.outcome.created, true);

  const service = await inspect(WEB);
  assert.equal(first.outcome.serviceId, service.ID);
  const spec = service.Spec;
  assert.equal(spec.Mode?.Replicated?.Replicas, 4);
  assert.equal(
    spec.TaskTemplate.ContainerSpec?.Image,
    'swarmgate/probe:1',
    'the image is used as given (no digest)',
  );
  assert.deepEqual(spec.TaskTemplate.ContainerSpec?.Env, ['GREETING=hello', 'EMPTY=']);
  assert.deepEqual(spec.TaskTemplate.ContainerSpec?.Args?.slice(0, 2), ['sh', '-c']);
  assert.deepEqual(spec.Labels, { team: 'ops' });
  assert.deepEqual(spec.UpdateConfig, {
    Parallelism: 2,
    Delay: 5e8,
    FailureAction: 'pause',
    Monitor: 1e9,
    MaxFailureRatio: 0,
    Order: 'start-first',
  });
  assert.equal(spec.RollbackConfig?.Parallelism, 0);
  assert.equal(spec.RollbackConfig?.FailureAction, 'continue');
  assert.deepEqual(
    spec.EndpointSpec?.Ports?.map((port) => [port.Protocol, port.TargetPort, port.PublishMode]),
    [['tcp', 8080, 'ingress']],
  );
  assert.equal((await runningTasks(WEB)).length, 4);

  // The job learned the new service's id: the ended job names it (both doors), and so does its outcome event.
  assert.equal(first.target.serviceId, service.ID, 'the job names the service it created');
  assert.equal(first.target.serviceName, WEB);
  const restJob = await rest('GET', `/v1/jobs/${first.id}`);
  assert.equal(restJob.statusCode, 200, restJob.body);
  assert.equal(restJob.json<{ target: { serviceId: string | null } }>().target.serviceId, service.ID);
  const outcome = (await auditOfService(service.ID)).find((event) => event.jobId === first.id);
  assert.equal(outcome?.outcome, 'SUCCEEDED', 'the succeeded event is found by the new service id');
  assert.equal(outcome.target.serviceId, service.ID);
  assert.equal(outcome.target.serviceName, WEB);

  const version = service.Version.Index;
  const again = await succeeded(await mutate('createService', 'CreateServiceInput', WEB_INPUT));
  assert.notEqual(again.id, first.id, 'a new job (no idempotency key)');
  assert.equal(again.outcome.created, false);
  assert.equal(again.outcome.serviceId, service.ID);
  assert.equal((await inspect(WEB)).Version.Index, version, 'Docker was not asked to change anything');
});

test('createService under a taken name with another spec is CONFLICT naming what differs', async () => {
  const answer = await mutation('createService', 'CreateServiceInput', {
    ...WEB_INPUT,
    image: 'swarmgate/probe:2',
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'CONFLICT');
  assert.match(answer.errors?.[0]?.message ?? '', /already exists .*differs in image/);
  assert.equal((await inspect(WEB)).Spec.TaskTemplate.ContainerSpec?.Image, 'swarmgate/probe:1');
});

test('an idempotency key answers the same job for the same input, CONFLICT for another', async () => {
  const key = `create-${suffix}`;
  const first = await mutate('createService', 'CreateServiceInput', { ...WEB_INPUT, idempotencyKey: key });
  const second = await mutate('createService', 'CreateServiceInput', { ...WEB_INPUT, idempotencyKey: key });
  assert.equal(second.id, first.id);
  await succeeded(first);
  const other = await mutation('createService', 'CreateServiceInput', {
    ...WEB_INPUT,
    replicas: 3,
    idempotencyKey: key,
  });
  assert.equal(other.errors?.[0]?.extensions.code, 'CONFLICT');
});

test('scaleService goes 4 → 2 → 0 → 4, each job ending when exactly that many tasks run', async () => {
  const timings: string[] = [];
  for (const replicas of [2, 0]) {
    const started = Date.now();
    const job = await succeeded(
      await mutate('scaleService', 'ScaleServiceInput', { service: WEB, replicas }),
    );
    timings.push(`→ ${replicas}: ${Date.now() - started} ms`);
    assert.equal(job.type, 'service.scale');
    assert.equal(job.progress.percent, 100);
    assert.equal(job.outcome.replicas, replicas);
    assert.equal((await inspect(WEB)).Spec.Mode?.Replicated?.Replicas, replicas);
    assert.equal((await runningTasks(WEB)).length, replicas, `Docker runs ${replicas} tasks`);
  }
  // Back to 4 through REST (quick: 200 with the ended job, or 202 while it still runs).
  const started = Date.now();
  const response = await rest('POST', `/v1/swarms/beta/services/${WEB}/scale`, {
    replicas: 4,
    reason: REASON,
  });
  assert.ok([200, 202].includes(response.statusCode), response.body);
  const job = await succeeded(response.json<JobView>());
  timings.push(`→ 4 (REST): ${Date.now() - started} ms`);
  assert.equal(job.outcome.previousReplicas, 0);
  assert.equal((await runningTasks(WEB)).length, 4);
  console.log(`scaleService ${WEB} 4 ${timings.join(', ')}`);

  // Scaling to what it already is changes nothing.
  const version = (await inspect(WEB)).Version.Index;
  const same = await succeeded(
    await mutate('scaleService', 'ScaleServiceInput', { service: WEB, replicas: 4 }),
  );
  assert.equal(same.outcome.changed, false);
  assert.equal((await inspect(WEB)).Version.Index, version);
});

test('a label-only update (REST PATCH) rolls nothing out and succeeds; rollback (REST) restores the labels', async () => {
  const tasksBefore = (await runningTasks(WEB)).map((task) => task.ID).sort();
  const patched = await rest('PATCH', `/v1/swarms/beta/services/${WEB}`, {
    labels: [
      { key: 'team', value: 'platform' },
      { key: 'tier', value: 'web' },
    ],
    reason: REASON,
  });
  assert.equal(patched.statusCode, 202, patched.body);
  assert.match(String(patched.headers.location), /^\/v1\/jobs\/[0-9a-f-]{36}$/);
  const update = await succeeded(patched.json<JobView>());
  assert.equal(update.type, 'service.update');
  assert.match(update.progress.message ?? '', /nothing to roll out/);
  const service = await inspect(WEB);
  assert.deepEqual(service.Spec.Labels, { team: 'platform', tier: 'web' });
  assert.equal(service.UpdateStatus, undefined, 'Docker had no task to replace');
  assert.deepEqual(
    (await runningTasks(WEB)).map((task) => task.ID).sort(),
    tasksBefore,
    'no task was replaced',
  );

  const rolled = await rest('POST', `/v1/swarms/beta/services/${WEB}/rollback`, { reason: REASON });
  assert.equal(rolled.statusCode, 202, rolled.body);
  await succeeded(rolled.json<JobView>());
  const back = await inspect(WEB);
  assert.deepEqual(back.Spec.Labels, { team: 'ops' });
  assert.equal(back.UpdateStatus?.State, 'rollback_completed');
});

test('refusals: bad input is BAD_INPUT, a global service cannot be scaled, a viewer is FORBIDDEN, another tenant gets NOT_FOUND', async () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...WEB_INPUT, name: `${AGENT}-x`, replicas: -1 }, /replicas must be an integer/],
    [{ ...WEB_INPUT, name: `${AGENT}-x`, mode: 'GLOBAL' }, /replicas is for REPLICATED/],
    [{ ...WEB_INPUT, name: `${AGENT}-x`, env: ['NOEQUALS'] }, /KEY=VALUE/],
    [{ ...WEB_INPUT, name: 'bad name!' }, /name must be/],
    [
      { ...WEB_INPUT, name: `${AGENT}-x`, rollbackConfig: { failureAction: 'ROLLBACK' } },
      /PAUSE or CONTINUE/,
    ],
    [{ ...WEB_INPUT, name: `${AGENT}-x`, constraints: ['worker'] }, /constraint "worker"/],
  ];
  for (const [input, message] of bad) {
    const answer = await mutation('createService', 'CreateServiceInput', input);
    assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(answer));
    assert.match(answer.errors?.[0]?.message ?? '', message);
  }
  const nothing = await mutation('updateService', 'UpdateServiceInput', { service: WEB });
  assert.equal(nothing.errors?.[0]?.extensions.code, 'BAD_INPUT');
  const unknownField = await rest('POST', '/v1/swarms/beta/services', {
    name: `${AGENT}-x`,
    image: 'x',
    colour: 'red',
  });
  assert.equal(unknownField.statusCode, 400);

  // A global service, created through REST: one task per matching node (only workers here).
  const created = await rest('POST', '/v1/swarms/beta/services', {
    name: AGENT,
    image: 'swarmgate/probe:1',
    mode: 'GLOBAL',
    constraints: ['node.role==worker', ...awayFromSpares(lab)],
    reason: REASON,
  });
  assert.equal(created.statusCode, 202, created.body);
  await succeeded(created.json<JobView>());
  const agentTasks = await runningTasks(AGENT);
  assert.ok(agentTasks.length >= 1);
  const workers = new Set(
    ((await docker.listNodes()) as { ID: string; Spec: { Role: string } }[])
      .filter((node) => node.Spec.Role === 'worker')
      .map((node) => node.ID),
  );
  assert.ok(
    agentTasks.every((task) => workers.has(task.NodeID ?? '')),
    'tasks only on workers',
  );
  const scaleGlobal = await mutation('scaleService', 'ScaleServiceInput', { service: AGENT, replicas: 3 });
  assert.equal(scaleGlobal.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(scaleGlobal.errors?.[0]?.message ?? '', /global/);

  const viewer = tokenFor('blue', ['viewer'], { sub: 'victor' });
  const forbidden = await mutation(
    'scaleService',
    'ScaleServiceInput',
    { service: WEB, replicas: 1 },
    viewer,
  );
  assert.equal(forbidden.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const redOperator = tokenFor('red', ['operator']);
  const hidden = await mutation('removeService', 'RemoveServiceInput', { service: WEB }, redOperator);
  assert.equal(hidden.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const noRollback = await mutation('rollbackService', 'RollbackServiceInput', { service: AGENT });
  assert.equal(
    noRollback.errors?.[0]?.extensions.code,
    'CONFLICT',
    'a service never updated has no previous spec',
  );
  // The same through REST, without a body (it is optional).
  const restNoRollback = await lab.app.inject({
    method: 'POST',
    url: `/v1/swarms/beta/services/${AGENT}/rollback`,
    headers: { authorization: `Bearer ${operator}` },
  });
  assert.equal(restNoRollback.statusCode, 409, restNoRollback.body);
  assert.match(restNoRollback.json<{ detail: string }>().detail, /no previous spec/);
  assert.equal((await inspect(WEB)).Spec.Mode?.Replicated?.Replicas, 4, 'nothing refused changed anything');
});

test('removeService removes (REST DELETE and GraphQL); removing again succeeds without removing anything', async () => {
  const deleted = await rest(
    'DELETE',
    `/v1/swarms/beta/services/${WEB}?reason=${encodeURIComponent(REASON)}`,
  );
  assert.ok([200, 202].includes(deleted.statusCode), deleted.body);
  const removed = await succeeded(deleted.json<JobView>());
  assert.equal(removed.outcome.removed, true);
  await assert.rejects(inspect(WEB), (error: { statusCode?: number }) => error.statusCode === 404);

  const again = await succeeded(await mutate('removeService', 'RemoveServiceInput', { service: WEB }));
  assert.equal(again.outcome.removed, false);
  assert.match(String(again.outcome.message), /nothing to remove/);

  await succeeded(await mutate('removeService', 'RemoveServiceInput', { service: AGENT }));
  await assert.rejects(inspect(AGENT), (error: { statusCode?: number }) => error.statusCode === 404);
});

test('createService of an image no node has fails with IMAGE_MISSING naming the nodes that rejected its tasks', async () => {
  const started = Date.now();
  const job = await mutate('createService', 'CreateServiceInput', {
    name: MISSING,
    image: 'swarmgate/probe:404',
    replicas: 2,
    constraints: awayFromSpares(lab),
  });
  const ended = await untilEnded(job.id, 60_000);
  const took = Date.now() - started;
  console.log(
    `createService of swarmgate/probe:404: ${ended.errorCode} after ${took} ms: ${ended.errorMessage}`,
  );
  assert.equal(ended.state, 'FAILED', JSON.stringify(ended));
  assert.equal(ended.errorCode, 'IMAGE_MISSING');
  assert.ok(took < 30_000, `bounded (${took} ms)`);
  const service = await inspect(MISSING);
  const tasks = (await docker.listTasks({ filters: { service: [service.ID] } })) as DockerTask[];
  const nodes = (await docker.listNodes()) as { ID: string; Description: { Hostname: string } }[];
  const rejectedOn = new Set(
    tasks
      .filter((task) => task.Status.State === 'rejected' && /No such image/.test(task.Status.Err ?? ''))
      .map((task) => nodes.find((node) => node.ID === task.NodeID)?.Description.Hostname),
  );
  const named = /missing on node\(s\) ([^:]+):/.exec(ended.errorMessage ?? '')?.[1]?.split(', ') ?? [];
  assert.ok(named.length > 0);
  for (const hostname of named) assert.ok(rejectedOn.has(hostname), `${hostname} rejected a task`);
  // The job learned the service's id before it failed: the failed job and its outcome event name it.
  assert.equal(ended.target.serviceId, service.ID);
  const failed = (await auditOfService(service.ID)).find((event) => event.jobId === job.id);
  assert.equal(failed?.outcome, 'FAILED');
  assert.equal(failed.errorCode, 'IMAGE_MISSING');
  // The service stays (Docker keeps retrying) until someone removes it.
  await succeeded(await mutate('removeService', 'RemoveServiceInput', { service: MISSING }));
});

test('a service whose tasks cannot be placed fails JOB_TIMEOUT when its timeoutSeconds pass, naming the service', async () => {
  const started = Date.now();
  const job = await mutate('createService', 'CreateServiceInput', {
    name: NOWHERE,
    image: 'swarmgate/probe:1',
    replicas: 1,
    constraints: [`node.labels.sgt-nowhere-${suffix}==yes`],
    timeoutSeconds: 2,
  });
  const ended = await untilEnded(job.id, 30_000);
  const took = Date.now() - started;
  console.log(
    `createService with no node to run on: ${ended.errorCode} after ${took} ms: ${ended.errorMessage}`,
  );
  assert.equal(ended.state, 'FAILED', JSON.stringify(ended));
  assert.equal(ended.errorCode, 'JOB_TIMEOUT', 'a time-out, not an internal error');
  assert.match(
    ended.errorMessage ?? '',
    new RegExp(`gave up waiting for service ${NOWHERE} .* after 2 s: 0/1 tasks`),
  );
  const logged = await failedJobLogLines(job.id);
  assert.deepEqual(
    logged.filter((line) => line.level >= 50).map((line) => line.msg),
    [],
    'nothing logged at error level',
  );
  const service = await inspect(NOWHERE);
  assert.equal(ended.target.serviceId, service.ID, 'the failed job names the service it created');
  const failed = (await auditOfService(service.ID)).find((event) => event.jobId === job.id);
  assert.equal(failed?.outcome, 'FAILED');
  assert.equal(failed.errorCode, 'JOB_TIMEOUT');
  await succeeded(await mutate('removeService', 'RemoveServiceInput', { service: NOWHERE }));
});

interface AuditEventView {
  operationId: string;
  outcome: string;
  action: string;
  reason: string | null;
  errorCode: string | null;
  jobId: string | null;
  actor: { sub: string; actors: string[]; source: string };
  target: { swarmName: string | null; serviceId: string | null; serviceName: string | null };
}

/** The audit events `auditEvents(filter: { service })` finds by this service id, newest first. */
async function auditOfService(serviceId: string): Promise<AuditEventView[]> {
  const answer = await gql<{ auditEvents: { items: AuditEventView[] } }>(
    lab.app,
    tokenFor('blue', ['admin']),
    `query ($service: String) { auditEvents(filter: { service: $service }) { items {
      operationId outcome action reason errorCode jobId actor { sub actors source } target { swarmName serviceId serviceName }
    } } }`,
    { service: serviceId },
  );
  return dataOf(answer).auditEvents.items;
}

test('the audit shows every service operation requested and succeeded, with olivia, the chatops bot and the reason', async () => {
  const admin = tokenFor('blue', ['admin']);
  const answer = await gql<{ auditEvents: { items: AuditEventView[] } }>(
    lab.app,
    admin,
    `{ auditEvents(filter: { action: "service." }, first: 500) { items {
      operationId outcome action reason errorCode jobId actor { sub actors source } target { swarmName serviceId serviceName }
    } } }`,
  );
  const events = dataOf(answer).auditEvents.items;
  for (const action of [
    'service.create',
    'service.scale',
    'service.update',
    'service.rollback',
    'service.remove',
  ]) {
    const mine = events.filter((event) => event.action === action && event.actor.sub === 'olivia');
    const succeededOps = mine.filter((event) => event.outcome === 'SUCCEEDED');
    assert.ok(succeededOps.length > 0, `${action} has a succeeded event`);
    for (const outcome of succeededOps) {
      const requested = mine.find(
        (event) => event.operationId === outcome.operationId && event.outcome === 'REQUESTED',
      );
      assert.ok(requested, `${action}: the succeeded operation was requested first`);
      for (const event of [requested, outcome]) {
        assert.deepEqual(event.actor.actors, ['chatops-bot']);
        assert.equal(event.reason, REASON);
        assert.equal(event.target.swarmName, 'beta');
      }
      assert.ok(outcome.jobId, `${action}: the outcome names its job`);
    }
  }
  const created = events.find(
    (event) =>
      event.action === 'service.create' && event.outcome === 'SUCCEEDED' && event.target.serviceName === WEB,
  );
  assert.ok(created?.target.serviceId, 'the outcome of a create names the new service id');
  const refused = events.filter((event) => event.outcome === 'REFUSED').map((event) => event.errorCode);
  for (const code of ['CONFLICT', 'BAD_INPUT', 'FORBIDDEN'])
    assert.ok(refused.includes(code), `a refused ${code}`);
  const sources = new Set(events.map((event) => event.actor.source));
  assert.ok(sources.has('graphql') && sources.has('rest'), 'both doors are audited');
});
