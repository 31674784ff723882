// Stacks deployed with the docker CLI (`docker stack deploy` on alpha-m1) read back through both doors with the
// services `docker stack services` shows, and their networks, secret and config; removeStack (GraphQL) leaves no
// service, network, secret or config of the stack, and again removes nothing; through REST, a network held by a
// service outside the stack ends the removal with JOB_TIMEOUT naming both, and the same job run again once the
// network is free (as a worker resumes a job after a crash) removes what is left. Another tenant gets NOT_FOUND and
// a viewer FORBIDDEN for the removal, and the stack stays.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { stackRemoveProcessor } from '../../../src/jobs/processors/stack-remove.ts';
import type { DockerTask, DockerTaskState } from '../../../src/docker/types.ts';
import type { StackRemovedObject } from '../../../src/jobs/types.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { resumedContext, untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, waitUntil } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);

const STACK = 'sgD-cli';
/** The second stack, removed through REST. */
const STACK2 = 'sgD-cli2';
/** A service of no stack, on a network of STACK2. */
const OUTSIDER = 'sgD-outsider';
const NAMESPACE = 'com.docker.stack.namespace';
const SECRET_VALUE = `sg-test-secret-${Date.now().toString(36)}-stack-cli`;
const REASON = 'stack cli interop test';
/** Task states of a task that holds nothing any more. */
const STOPPED: ReadonlySet<DockerTaskState> = new Set([
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
]);

const JOB_FIELDS = 'id type state progress { percent step message } errorCode errorMessage result parameters';
interface JobView {
  id: string;
  type: string;
  state: string;
  progress: { percent: number; step: string | null; message: string | null };
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  parameters: string;
}

const STACK_FIELDS = `name servicesCount runningTasks desiredTasks
  services { id name image mode replicas runningTasks desiredTasks }
  networks { id name } secrets { id name } configs { id name }`;
interface ServiceRow {
  id: string;
  name: string;
  image: string | null;
  mode: 'REPLICATED' | 'GLOBAL';
  replicas: number | null;
  runningTasks: number;
  desiredTasks: number;
}
interface StackView {
  name: string;
  servicesCount: number;
  runningTasks: number;
  desiredTasks: number;
  services: ServiceRow[];
  networks: { id: string; name: string }[];
  secrets: { id: string; name: string }[];
  configs: { id: string; name: string }[];
}

let lab: RedBlue;
let socket: string;
let dir: string;
let operator: string;
/** Placement away from the spare engines, which another test may join to alpha for a while. */
let spareConstraints: string[];

/** A loop that stops at once on TERM, so that removals do not wait for Docker's grace period. */
const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;

/**
 * web on a custom overlay network with a config, worker with a secret made from a file, agent global; all kept off
 * the spare engines, which another test may join to alpha for a while.
 */
function composeFile(constraints: string[]): string {
  const placement = `      placement:\n        constraints: [${constraints.map((c) => JSON.stringify(c)).join(', ')}]\n`;
  return `version: "3.8"
services:
  web:
    image: swarmgate/probe:1
    command: ${IDLE}
    networks: [front]
    configs:
      - source: site
        target: /etc/site.conf
    stop_grace_period: 2s
    deploy:
      replicas: 2
${placement}  worker:
    image: swarmgate/probe:1
    command: ${IDLE}
    secrets: [token]
    stop_grace_period: 2s
    deploy:
      replicas: 1
${placement}  agent:
    image: swarmgate/probe:1
    command: ${IDLE}
    stop_grace_period: 2s
    deploy:
      mode: global
${placement}networks:
  front:
    driver: overlay
secrets:
  token:
    file: ./token.txt
configs:
  site:
    file: ./site.conf
`;
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', `unix://${socket}`, ...args], { timeout: 120_000 });
  return stdout;
}

const deploy = (stack: string) =>
  docker(
    'stack',
    'deploy',
    '--detach=true',
    '--resolve-image',
    'never',
    '-c',
    join(dir, 'compose.yml'),
    stack,
  );

/** `docker stack services STACK` as rows. */
async function cliServices(stack: string) {
  const out = await docker('stack', 'services', stack, '--format', '{{json .}}');
  return out
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as { ID: string; Name: string; Mode: string; Replicas: string; Image: string },
    )
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

/** The names `docker <kind> ls` shows for objects labelled with the stack's namespace. */
async function labelled(kind: 'service' | 'network' | 'secret' | 'config', stack: string): Promise<string[]> {
  const out = await docker(kind, 'ls', '--filter', `label=${NAMESPACE}=${stack}`, '--format', '{{.Name}}');
  return out.split('\n').filter(Boolean).sort();
}

async function stackRead(token: string, stack: string) {
  return gql<{ swarm: { stack: StackView | null } }>(
    lab.app,
    token,
    `query ($stack: String!) { swarm(id: "alpha") { stack(name: $stack, fresh: true) { ${STACK_FIELDS} } } }`,
    { stack },
  );
}

const removeStack = (token: string, name: string) =>
  gql<{ removeStack: JobView }>(
    lab.app,
    token,
    `mutation ($input: RemoveStackInput!) { removeStack(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'alpha', name, reason: REASON } },
  );

const rest = (token: string, method: 'GET' | 'DELETE', url: string) =>
  lab.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

const ended = (id: string) =>
  untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, {
    timeoutMs: 150_000,
    intervalMs: 200,
    showJob: true,
  });

async function succeeded(
  id: string,
): Promise<JobView & { outcome: { stack: string; removed: StackRemovedObject[] } }> {
  const job = await ended(id);
  assert.equal(job.state, 'SUCCEEDED', JSON.stringify(job));
  return {
    ...job,
    outcome: JSON.parse(job.result ?? '{}') as { stack: string; removed: StackRemovedObject[] },
  };
}

/**
 * Every object the docker CLI lists for the stack: nothing once it is removed. `settle`: a network removed while a
 * task of another service still used it on alpha-m1 lingers in that engine's list until the task stopped.
 */
async function nothingLeftOf(stack: string, settle = false): Promise<void> {
  if (settle) {
    await waitUntil(
      `the networks of ${stack} to leave alpha-m1's list`,
      async () => {
        const networks = await labelled('network', stack);
        return networks.length === 0 ? true : networks.join(', ');
      },
      30_000,
      500,
    );
  }
  for (const kind of ['service', 'network', 'secret', 'config'] as const) {
    assert.deepEqual(await labelled(kind, stack), [], `no ${kind} of ${stack} is left`);
  }
  const stacks = (await docker('stack', 'ls', '--format', '{{.Name}}')).split('\n');
  assert.ok(!stacks.includes(stack), `docker stack ls does not list ${stack}`);
}

before(async () => {
  lab = await setupRedBlue();
  socket = labEngine(lab.inventory, 'alpha-m1').socket;
  operator = tokenFor('red', ['operator'], { sub: 'olivia', act: { sub: 'chatops-bot' } });
  dir = mkdtempSync(join(tmpdir(), 'sgD-stack-'));
  spareConstraints = lab.inventory.engines
    .filter((e) => e.swarm === null)
    .map((e) => `node.hostname!=${e.name}`);
  writeFileSync(join(dir, 'compose.yml'), composeFile(spareConstraints));
  writeFileSync(join(dir, 'token.txt'), SECRET_VALUE);
  writeFileSync(join(dir, 'site.conf'), 'listen 8080\n');
  await deploy(STACK);
  await deploy(STACK2);
  // Every task of both stacks runs (the CLI deploys detached).
  await waitUntil(
    'the CLI-deployed stacks to run',
    async () => {
      const rows = [...(await cliServices(STACK)), ...(await cliServices(STACK2))];
      const pending = rows.filter((row) => {
        const [running, desired] = row.Replicas.split(' ')[0]!.split('/');
        return running !== desired || desired === '0';
      });
      return rows.length === 6 && pending.length === 0 ? true : JSON.stringify(rows);
    },
    120_000,
    500,
  );
});

after(async () => {
  // Whatever a failed test left behind goes (the CLI's own removal; errors for stacks already gone are fine).
  await docker('service', 'rm', OUTSIDER).catch(() => undefined);
  for (const stack of [STACK, STACK2]) await docker('stack', 'rm', stack).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await lab?.subject.close();
});

test('a stack deployed with `docker stack deploy` reads back through GraphQL with the same services, network, secret and config', async () => {
  const cli = await cliServices(STACK);
  const stack = dataOf(await stackRead(operator, STACK)).swarm.stack!;
  assert.equal(stack.name, STACK);
  assert.deepEqual(
    stack.services.map((service) => service.name),
    cli.map((row) => row.Name),
  );
  assert.deepEqual(
    stack.services.map((service) => service.name),
    [`${STACK}_agent`, `${STACK}_web`, `${STACK}_worker`],
  );
  for (const [index, row] of cli.entries()) {
    const service = stack.services[index]!;
    assert.ok(service.id.startsWith(row.ID), `${service.name}: id ${service.id} is the CLI's ${row.ID}`);
    assert.equal(service.mode.toLowerCase(), row.Mode, `${service.name}: mode`);
    assert.equal(`${service.runningTasks}/${service.desiredTasks}`, row.Replicas.split(' ')[0], service.name);
    assert.equal(service.image, row.Image);
  }
  const web = stack.services.find((service) => service.name === `${STACK}_web`)!;
  assert.deepEqual([web.mode, web.replicas, web.runningTasks], ['REPLICATED', 2, 2]);
  const agent = stack.services.find((service) => service.name === `${STACK}_agent`)!;
  assert.equal(agent.mode, 'GLOBAL');
  assert.equal(agent.replicas, null);
  assert.ok(agent.desiredTasks >= 5, 'the global service runs on every node of alpha');
  assert.equal(stack.servicesCount, 3);
  assert.equal(stack.runningTasks, stack.desiredTasks);

  // The CLI names the stack's objects <stack>_<name>; the services without networks join <stack>_default.
  assert.deepEqual(
    stack.networks.map((network) => network.name),
    [`${STACK}_default`, `${STACK}_front`],
  );
  assert.deepEqual(
    stack.secrets.map((secret) => secret.name),
    [`${STACK}_token`],
  );
  assert.deepEqual(
    stack.configs.map((config) => config.name),
    [`${STACK}_site`],
  );
  assert.deepEqual(
    stack.networks.map((network) => network.name),
    await labelled('network', STACK),
  );
  const secretIds = (await docker('secret', 'ls', '--filter', `label=${NAMESPACE}=${STACK}`, '-q')).trim();
  assert.equal(stack.secrets[0]!.id, secretIds);
});

test('the stacks list and REST show the same stacks, and no answer carries the secret value', async () => {
  const listed = dataOf(
    await gql<{ swarm: { stacks: StackView[] } }>(
      lab.app,
      operator,
      `{ swarm(id: "alpha") { stacks(fresh: true) { ${STACK_FIELDS} } } }`,
    ),
  ).swarm.stacks;
  const names = listed.map((stack) => stack.name);
  assert.ok(names.includes(STACK) && names.includes(STACK2), names.join(', '));
  assert.deepEqual(
    [...names].sort((a, b) => a.localeCompare(b)),
    names,
    'stacks come by name',
  );
  const cliStacks = (await docker('stack', 'ls', '--format', '{{.Name}} {{.Services}}')).split('\n');
  assert.ok(cliStacks.includes(`${STACK} 3`), cliStacks.join('; '));
  assert.equal(listed.find((stack) => stack.name === STACK)?.servicesCount, 3);

  const one = await rest(operator, 'GET', `/v1/swarms/alpha/stacks/${STACK}?fresh=true`);
  assert.equal(one.statusCode, 200, one.body);
  const body = one.json<StackView & { swarmId: string }>();
  const graphql = listed.find((stack) => stack.name === STACK)!;
  assert.deepEqual(
    body.services.map((service) => [service.id, service.name, service.mode, service.replicas]),
    graphql.services.map((service) => [service.id, service.name, service.mode, service.replicas]),
  );
  assert.deepEqual(body.networks, graphql.networks);
  assert.deepEqual(body.secrets, graphql.secrets);
  assert.deepEqual(body.configs, graphql.configs);
  assert.equal(body.swarmId, lab.alpha.id);

  const all = await rest(operator, 'GET', '/v1/swarms/alpha/stacks');
  assert.equal(all.statusCode, 200, all.body);
  const page = all.json<{ totalCount: number; items: StackView[] }>();
  assert.equal(page.totalCount, page.items.length);
  assert.ok(page.items.some((stack) => stack.name === STACK2 && stack.servicesCount === 3));

  for (const text of [one.body, all.body, JSON.stringify(listed)]) {
    assert.ok(!text.includes('sg-test-secret-'), 'no answer quotes the secret value');
  }
});

test('a stack nobody deployed is NOT_FOUND, and a malformed name BAD_INPUT naming the field', async () => {
  const missing = await stackRead(operator, 'sgD-nothing-here');
  assert.equal(missing.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const missingRest = await rest(operator, 'GET', '/v1/swarms/alpha/stacks/sgD-nothing-here');
  assert.equal(missingRest.statusCode, 404);

  const bad = await stackRead(operator, 'no spaces/allowed');
  assert.equal(bad.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(bad.errors?.[0]?.message ?? '', /stack/);
  const badRest = await rest(operator, 'GET', '/v1/swarms/alpha/stacks/bad%20name');
  assert.equal(badRest.statusCode, 400);
  assert.match(badRest.json<{ detail: string }>().detail, /^params\.stack must be a stack name/);
  const badRemoval = await removeStack(operator, '-leading-dash');
  assert.equal(badRemoval.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(badRemoval.errors?.[0]?.message ?? '', /^name must be a stack name/);
});

test('another tenant gets NOT_FOUND for the stack reads and removeStack, and the stack stays', async () => {
  const blueOperator = tokenFor('blue', ['operator']);
  const read = await stackRead(lab.tokens.blueAdmin, STACK);
  assert.equal(read.errors?.[0]?.extensions.code, 'NOT_FOUND');
  assert.ok(!JSON.stringify(read).includes(STACK), 'the refusal does not name the stack');
  const list = await gql(lab.app, lab.tokens.blueAdmin, '{ swarm(id: "alpha") { stacks { name } } }');
  assert.equal(list.errors?.[0]?.extensions.code, 'NOT_FOUND');
  for (const url of ['/v1/swarms/alpha/stacks', `/v1/swarms/alpha/stacks/${STACK}`]) {
    assert.equal((await rest(blueOperator, 'GET', url)).statusCode, 404, url);
  }

  const removal = await removeStack(blueOperator, STACK);
  assert.equal(removal.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const restRemoval = await rest(blueOperator, 'DELETE', `/v1/swarms/alpha/stacks/${STACK}`);
  assert.equal(restRemoval.statusCode, 404);
  assert.equal(restRemoval.json<{ code: string }>().code, 'NOT_FOUND');

  assert.equal((await labelled('service', STACK)).length, 3, 'the stack is still there');
});

test('a viewer reads the stack but cannot remove it (FORBIDDEN)', async () => {
  const viewer = lab.tokens.redViewer;
  assert.equal(dataOf(await stackRead(viewer, STACK)).swarm.stack?.servicesCount, 3);
  const removal = await removeStack(viewer, STACK);
  assert.equal(removal.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const restRemoval = await rest(viewer, 'DELETE', `/v1/swarms/alpha/stacks/${STACK}`);
  assert.equal(restRemoval.statusCode, 403);
  assert.equal((await labelled('service', STACK)).length, 3, 'the stack is still there');
});

test('removeStack removes every service, network, secret and config of the stack; again, it removes nothing', async () => {
  const before = dataOf(await stackRead(operator, STACK)).swarm.stack!;
  const started = Date.now();
  const job = dataOf(await removeStack(operator, STACK)).removeStack;
  assert.equal(job.type, 'stack.remove');
  const ended = await succeeded(job.id);
  console.log(`removeStack ${STACK} (3 services, 2 networks): ${Date.now() - started} ms`);
  assert.equal(ended.progress.percent, 100);
  assert.equal(ended.outcome.stack, STACK);
  const removed = ended.outcome.removed;
  // Services first, then networks, secrets and configs, each named with its ID.
  assert.deepEqual(
    removed.map((object) => `${object.kind}:${object.name}`),
    [
      ...before.services.map((service) => `service:${service.name}`),
      ...before.networks.map((network) => `network:${network.name}`),
      ...before.secrets.map((secret) => `secret:${secret.name}`),
      ...before.configs.map((config) => `config:${config.name}`),
    ],
  );
  assert.deepEqual(
    removed.filter((object) => object.kind === 'service').map((object) => object.id),
    before.services.map((service) => service.id),
  );
  await nothingLeftOf(STACK);
  const gone = await stackRead(operator, STACK);
  assert.equal(gone.errors?.[0]?.extensions.code, 'NOT_FOUND');

  // Run again after a crash (the same job, its processor once more): nothing is left, nothing is removed.
  const resumed = await stackRemoveProcessor(await resumedContext<'stack.remove'>(lab.app, job.id));
  assert.deepEqual(resumed.result?.removed, []);

  // Asked again: success, nothing removed.
  const again = await succeeded(dataOf(await removeStack(operator, STACK)).removeStack.id);
  assert.deepEqual(again.outcome.removed, []);
  assert.match(JSON.stringify(again.outcome), /nothing to remove/);

  // Audited: requested and succeeded, by olivia through the bot, with the reason and the stack's name.
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: {
          outcome: string;
          jobId: string | null;
          reason: string;
          parameters: string;
          actor: { sub: string; actors: string[] };
        }[];
      };
    }>(
      lab.app,
      lab.tokens.redAdmin,
      `{ auditEvents(filter: { action: "stack.remove" }, first: 100) { items {
        outcome jobId reason parameters actor { sub actors } } } }`,
    ),
  ).auditEvents.items;
  const outcome = events.find((event) => event.jobId === job.id && event.outcome === 'SUCCEEDED');
  assert.ok(outcome, 'the removal has its succeeded event');
  assert.equal(outcome.reason, REASON);
  assert.equal(outcome.actor.sub, 'olivia');
  assert.deepEqual(outcome.actor.actors, ['chatops-bot']);
  assert.ok(
    events.some(
      (event) =>
        event.outcome === 'REQUESTED' && (JSON.parse(event.parameters) as { name?: string }).name === STACK,
    ),
  );
  assert.ok(
    events.some((event) => event.outcome === 'REFUSED'),
    'the viewer’s refused removal is audited',
  );
});

test('DELETE /v1/swarms/alpha/stacks/:stack: a network held by a service outside the stack is JOB_TIMEOUT; the job run again once it is free removes what is left', async () => {
  // A service of nobody's stack on the stack's network: the network cannot go while it is there.
  await docker(
    'service',
    'create',
    '--detach',
    '--no-resolve-image',
    '--name',
    OUTSIDER,
    '--network',
    `${STACK2}_front`,
    '--stop-grace-period',
    '2s',
    ...spareConstraints.flatMap((c) => ['--constraint', c]),
    'swarmgate/probe:1',
    'sh',
    '-c',
    "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done",
  );
  const response = await rest(
    operator,
    'DELETE',
    `/v1/swarms/alpha/stacks/${STACK2}?reason=rest&timeoutSeconds=3`,
  );
  assert.ok([200, 202].includes(response.statusCode), response.body);
  const job = response.json<{ id: string; type: string }>();
  if (response.statusCode === 202) assert.equal(response.headers.location, `/v1/jobs/${job.id}`);
  assert.equal(job.type, 'stack.remove');
  const failed = await ended(job.id);
  assert.equal(failed.state, 'FAILED', JSON.stringify(failed));
  assert.equal(failed.errorCode, 'JOB_TIMEOUT');
  assert.equal(
    failed.errorMessage,
    `network "${STACK2}_front" of stack "${STACK2}" was still in use after 3 s by service ${OUTSIDER}; ` +
      'remove that from the network, then remove the stack again',
  );

  // What is left is still a stack: its services are gone, the held network, its secret and config are not. (A
  // network removed while a task on the answering manager still used it lingers in its list until the task stopped,
  // for the CLI as for the gateway: wait for the CLI's list to settle first.)
  await waitUntil(
    'the network list to settle',
    async () => {
      const networks = await labelled('network', STACK2);
      return networks.length === 1 ? true : networks.join(', ');
    },
    30_000,
    500,
  );
  const left = await rest(operator, 'GET', `/v1/swarms/alpha/stacks/${STACK2}`);
  assert.equal(left.statusCode, 200, left.body);
  const stack = left.json<StackView>();
  assert.equal(stack.servicesCount, 0);
  assert.deepEqual(
    stack.networks.map((network) => network.name),
    [`${STACK2}_front`],
  );
  assert.deepEqual(
    stack.secrets.map((secret) => secret.name),
    [`${STACK2}_token`],
  );
  assert.deepEqual(
    stack.configs.map((config) => config.name),
    [`${STACK2}_site`],
  );
  assert.deepEqual(await labelled('service', STACK2), []);

  // Once the network is free, the failed job run again (as a worker resumes a job after a crash) removes only what
  // is left.
  const outsiderId = (await docker('service', 'inspect', OUTSIDER, '--format', '{{.ID}}')).trim();
  await docker('service', 'rm', OUTSIDER);
  const engine = dockerFor(labEngine(lab.inventory, 'alpha-m1'));
  await waitUntil(
    `the tasks of ${OUTSIDER} to stop`,
    async () => {
      const tasks = (await engine.listTasks()) as DockerTask[];
      const live = tasks.filter((task) => task.ServiceID === outsiderId && !STOPPED.has(task.Status.State));
      return live.length === 0 ? true : `${live.length} still running`;
    },
    30_000,
    500,
  );
  const resumed = await stackRemoveProcessor(await resumedContext<'stack.remove'>(lab.app, job.id));
  assert.deepEqual(
    resumed.result?.removed.map((object) => `${object.kind}:${object.name}`),
    [`network:${STACK2}_front`, `secret:${STACK2}_token`, `config:${STACK2}_site`],
  );
  await nothingLeftOf(STACK2, true);

  // Asked again through REST: success, nothing removed.
  const again = await rest(operator, 'DELETE', `/v1/swarms/alpha/stacks/${STACK2}`);
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json<{ state: string }>().state, 'SUCCEEDED');
  assert.deepEqual(again.json<{ result: { removed: unknown[] } }>().result.removed, []);
});
