// deployStack on the lab's alpha swarm through both doors: a compose file with web (probe:1 on an overlay network,
// with a config from `content:` and a secret from `environment:`), a replicated worker and a global agent. A dry
// run answers the plan and changes nothing; the deploy job succeeds and `docker stack ps` on alpha-m1 shows every
// task Running; a redeploy with only web's image changed plans and updates web alone (the other services keep their
// version). The secret's value is in no answer, job row or audit row; a bind mount of `/` is FORBIDDEN, another
// tenant's swarm NOT_FOUND, bad files BAD_INPUT. The stacks are removed with the docker CLI at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { stackDeployProcessor } from '../../../src/jobs/processors/stack-deploy.ts';
import { resumedContext, untilJobEnds } from '../../helpers/jobs.ts';
import { labEngine, waitUntil } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);

const GQL_STACK = 'sgC-gql';
const REST_STACK = 'sgC-rest';
const REFUSED_STACK = 'sgC-refused';
const MISSING_STACK = 'sgC-missing';
const NAMESPACE = 'com.docker.stack.namespace';
const SECRET_VALUE = `sg-test-secret-${Date.now().toString(36)}-stack-deploy`;
const REASON = 'stack deploy test';

const JOB_FIELDS =
  'id type state progress { percent step message } errorCode errorMessage result parameters plan';
interface JobView {
  id: string;
  type: string;
  state: string;
  progress: { percent: number; step: string | null; message: string | null };
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  parameters: string;
  plan: string | null;
}
interface PlanEntry {
  kind: string;
  name: string;
  diff?: { path: string; from?: unknown; to?: unknown; variables?: string[] }[];
}
interface Plan {
  create: PlanEntry[];
  update: PlanEntry[];
  remove: PlanEntry[];
  unchanged: PlanEntry[];
  ignored: { service: string | null; key: string; why: string }[];
}

let lab: RedBlue;
let operator: string;
let socket: string;
/** Every answer either door gave, to look for the secret's value in. */
const answers: string[] = [];

/** Placement away from the spare engines: another test may join one to a swarm for a while. */
let awayFromSpares: string[] = [];

before(async () => {
  lab = await setupRedBlue();
  socket = `unix://${labEngine(lab.inventory, 'alpha-m1').socket}`;
  operator = tokenFor('red', ['operator'], { sub: 'olivia', act: { sub: 'chatops-bot' } });
  awayFromSpares = lab.inventory.engines
    .filter((engine) => engine.swarm === null)
    .map((engine) => `node.hostname!=${engine.name}`);
});

after(async () => {
  for (const stack of [GQL_STACK, REST_STACK, REFUSED_STACK, MISSING_STACK])
    await removeWithCli(stack).catch(() => undefined);
  await lab?.subject.close();
});

const docker = async (...args: string[]) => (await run('docker', ['-H', socket, ...args])).stdout;

/** `docker stack rm`, then waits until the stack's networks (the last to go) are gone. */
async function removeWithCli(stack: string): Promise<void> {
  await docker('stack', 'rm', stack);
  await waitUntil(
    `the networks of stack ${stack} to go`,
    async () => {
      const left = (await docker('network', 'ls', '-q', '--filter', `label=${NAMESPACE}=${stack}`)).trim();
      return left === '' ? true : `networks left: ${left.replace(/\n/g, ' ')}`;
    },
    90_000,
    500,
  );
}

function composeFile(webImage: string): string {
  const constraints = JSON.stringify(awayFromSpares);
  return `
version: "3.8"
services:
  web:
    image: ${webImage}
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    networks: [front]
    environment:
      MODE: web
    configs:
      - source: page
        target: /www/index.html
    secrets: [token]
    stop_grace_period: 1s
    depends_on: [worker]
    deploy:
      replicas: 2
      labels: { tier: web }
      placement: { constraints: ${constraints} }
  worker:
    image: swarmgate/probe:1
    command: sleep 3600
    stop_grace_period: 1s
    deploy:
      replicas: 1
      placement: { constraints: ${constraints} }
  agent:
    image: swarmgate/probe:1
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    deploy:
      mode: global
      placement: { constraints: ${constraints} }
networks:
  front: { driver: overlay }
configs:
  page: { content: "hello from \${GREETING}\\n" }
secrets:
  token: { environment: TOKEN }
`;
}

const ENV = [`TOKEN=${SECRET_VALUE}`, 'GREETING=sgC'];

async function deployGql(input: Record<string, unknown>, token = operator) {
  const answer = await gql<{ deployStack: JobView }>(
    lab.app,
    token,
    `mutation ($input: DeployStackInput!) { deployStack(input: $input) { ${JOB_FIELDS} } }`,
    { input: { swarm: 'alpha', reason: REASON, ...input } },
  );
  answers.push(JSON.stringify(answer));
  return answer;
}

async function ended(id: string, timeoutMs = 240_000): Promise<JobView> {
  const job = await untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, {
    timeoutMs,
    intervalMs: 250,
    showJob: true,
  });
  answers.push(JSON.stringify(job));
  return job;
}

async function succeeded(id: string): Promise<JobView & { outcome: Record<string, unknown>; planned: Plan }> {
  const job = await ended(id);
  assert.equal(job.state, 'SUCCEEDED', JSON.stringify(job));
  assert.ok(job.plan, 'the job shows its plan');
  return {
    ...job,
    outcome: JSON.parse(job.result ?? '{}') as Record<string, unknown>,
    planned: JSON.parse(job.plan) as Plan,
  };
}

const names = (entries: PlanEntry[], kind?: string) =>
  entries
    .filter((entry) => !kind || entry.kind === kind)
    .map((entry) => entry.name)
    .sort();

async function stackServices(stack: string): Promise<string[]> {
  return (await docker('service', 'ls', '--filter', `label=${NAMESPACE}=${stack}`, '--format', '{{.Name}}'))
    .split('\n')
    .filter(Boolean)
    .sort();
}

async function serviceVersion(name: string): Promise<number> {
  return Number((await docker('service', 'inspect', name, '--format', '{{.Version.Index}}')).trim());
}

/** `docker stack ps` of the tasks meant to run: every one Running. */
async function assertAllRunning(stack: string): Promise<void> {
  const lines = (
    await docker(
      'stack',
      'ps',
      stack,
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Name}} {{.CurrentState}}',
    )
  )
    .split('\n')
    .filter(Boolean);
  assert.ok(lines.length >= 4, `docker stack ps ${stack} lists the tasks: ${lines.join('; ')}`);
  for (const line of lines) assert.match(line, / Running /, `docker stack ps ${stack}: ${line}`);
  for (const service of ['web', 'worker', 'agent']) {
    assert.ok(
      lines.some((line) => line.startsWith(`${stack}_${service}.`)),
      `a task of ${service} runs: ${lines.join('; ')}`,
    );
  }
}

test('deployStack through GraphQL: the dry run plans and changes nothing, the deploy runs every task, the plan lists ignored keys', async () => {
  const compose = composeFile('swarmgate/probe:1');
  const dry = dataOf(await deployGql({ name: GQL_STACK, compose, env: ENV, dryRun: true })).deployStack;
  assert.equal(dry.state, 'SUCCEEDED', 'a dry run answers the ended job');
  const plan = JSON.parse(dry.plan ?? 'null') as Plan;
  assert.deepEqual(names(plan.create, 'service'), [
    `${GQL_STACK}_agent`,
    `${GQL_STACK}_web`,
    `${GQL_STACK}_worker`,
  ]);
  // worker and agent name no network: they join the stack's default one, as with the CLI.
  assert.deepEqual(names(plan.create, 'network'), [`${GQL_STACK}_default`, `${GQL_STACK}_front`]);
  assert.deepEqual(names(plan.create, 'secret'), [`${GQL_STACK}_token`]);
  assert.deepEqual(names(plan.create, 'config'), [`${GQL_STACK}_page`]);
  assert.deepEqual(plan.update, []);
  assert.ok(plan.ignored.some((entry) => entry.service === 'web' && entry.key === 'depends_on'));
  assert.equal((JSON.parse(dry.result ?? '{}') as { applied?: boolean }).applied, false);
  assert.deepEqual(await stackServices(GQL_STACK), [], 'the dry run created nothing');
  assert.equal((await docker('secret', 'ls', '-q', '--filter', `name=${GQL_STACK}_token`)).trim(), '');

  const started = dataOf(await deployGql({ name: GQL_STACK, compose, env: ENV })).deployStack;
  const job = await succeeded(started.id);
  assert.equal(job.outcome.applied, true);
  const outcomes = job.outcome.services as { name: string; action: string; runningTasks: number }[];
  assert.deepEqual(outcomes.map((service) => service.action).sort(), ['created', 'created', 'created']);
  assert.deepEqual(await stackServices(GQL_STACK), [
    `${GQL_STACK}_agent`,
    `${GQL_STACK}_web`,
    `${GQL_STACK}_worker`,
  ]);
  await assertAllRunning(GQL_STACK);

  // What the CLI would make: the stack label and image label on the service, aliases, the secret file.
  const web = JSON.parse(
    await docker('service', 'inspect', `${GQL_STACK}_web`, '--format', '{{json .Spec}}'),
  ) as {
    Labels: Record<string, string>;
    TaskTemplate: {
      ContainerSpec: { Secrets: { File: { Name: string } }[]; Configs: { File: { Name: string } }[] };
      Networks: { Aliases: string[] }[];
    };
  };
  assert.equal(web.Labels[NAMESPACE], GQL_STACK);
  assert.equal(web.Labels['com.docker.stack.image'], 'swarmgate/probe:1');
  assert.equal(web.Labels.tier, 'web');
  assert.deepEqual(web.TaskTemplate.Networks[0]?.Aliases, ['web']);
  assert.equal(web.TaskTemplate.ContainerSpec.Secrets[0]?.File.Name, 'token');
  assert.equal(web.TaskTemplate.ContainerSpec.Configs[0]?.File.Name, '/www/index.html');

  // The job and its audit keep the env's keys and the compose text's digest, never the values or the text.
  const parameters = JSON.parse(job.parameters) as {
    env: string[];
    compose: { sha256: string; bytes: number };
  };
  assert.deepEqual(parameters.env, ['TOKEN=[REDACTED]', 'GREETING=[REDACTED]']);
  assert.match(parameters.compose.sha256, /^[0-9a-f]{64}$/);
  assert.equal(parameters.compose.bytes, Buffer.byteLength(compose));
});

test('redeploying with only web’s image changed plans web alone as update, and only web’s version changes', async () => {
  const before = {
    web: await serviceVersion(`${GQL_STACK}_web`),
    worker: await serviceVersion(`${GQL_STACK}_worker`),
    agent: await serviceVersion(`${GQL_STACK}_agent`),
  };
  const compose = composeFile('swarmgate/probe:2');
  const dry = dataOf(await deployGql({ name: GQL_STACK, compose, env: ENV, dryRun: true })).deployStack;
  const plan = JSON.parse(dry.plan ?? 'null') as Plan;
  assert.deepEqual(plan.create, []);
  assert.deepEqual(names(plan.update), [`${GQL_STACK}_web`]);
  const paths = plan.update[0]!.diff!.map((change) => change.path);
  assert.deepEqual(paths, ['Labels.com.docker.stack.image', 'TaskTemplate.ContainerSpec.Image']);
  assert.deepEqual(plan.update[0]!.diff![1], {
    path: 'TaskTemplate.ContainerSpec.Image',
    from: 'swarmgate/probe:1',
    to: 'swarmgate/probe:2',
  });
  assert.deepEqual(names(plan.unchanged, 'service'), [`${GQL_STACK}_agent`, `${GQL_STACK}_worker`]);

  const job = await succeeded(dataOf(await deployGql({ name: GQL_STACK, compose, env: ENV })).deployStack.id);
  assert.deepEqual(names(job.planned.update), [`${GQL_STACK}_web`]);
  const actions = Object.fromEntries(
    (job.outcome.services as { name: string; action: string }[]).map((service) => [
      service.name,
      service.action,
    ]),
  );
  assert.deepEqual(actions, {
    [`${GQL_STACK}_web`]: 'updated',
    [`${GQL_STACK}_worker`]: 'unchanged',
    [`${GQL_STACK}_agent`]: 'unchanged',
  });
  assert.notEqual(await serviceVersion(`${GQL_STACK}_web`), before.web, 'web was updated');
  assert.equal(await serviceVersion(`${GQL_STACK}_worker`), before.worker, 'worker was not touched');
  assert.equal(await serviceVersion(`${GQL_STACK}_agent`), before.agent, 'agent was not touched');
  await assertAllRunning(GQL_STACK);

  // The job run again, as after a crash once it had applied: it plans again, finds nothing to do, changes nothing.
  const resumed = await stackDeployProcessor(await resumedContext<'stack.deploy'>(lab.app, job.id));
  assert.deepEqual(
    resumed.result?.services?.map((service) => service.action),
    ['unchanged', 'unchanged', 'unchanged'],
  );
  const updated = await serviceVersion(`${GQL_STACK}_web`);

  // The same file again: nothing to do, no version changes.
  const again = await succeeded(
    dataOf(await deployGql({ name: GQL_STACK, compose, env: ENV })).deployStack.id,
  );
  assert.deepEqual(again.planned.update, []);
  assert.deepEqual(again.planned.create, []);
  assert.equal(await serviceVersion(`${GQL_STACK}_worker`), before.worker);
  assert.equal(await serviceVersion(`${GQL_STACK}_web`), updated);

  // A new secret value under the same name: Docker cannot change a secret, so the job refuses before any change.
  const changedEnv = [`TOKEN=${SECRET_VALUE}-changed`, 'GREETING=sgC'];
  const refused = await ended(
    dataOf(await deployGql({ name: GQL_STACK, compose: composeFile('swarmgate/probe:1'), env: changedEnv }))
      .deployStack.id,
  );
  assert.equal(refused.state, 'FAILED', JSON.stringify(refused));
  assert.equal(refused.errorCode, 'CONFLICT');
  assert.match(refused.errorMessage ?? '', /secrets\.token: .*rotateSecret/);
  assert.equal(await serviceVersion(`${GQL_STACK}_web`), updated, 'nothing was applied');
});

test('a service whose image no node has fails the deploy with IMAGE_MISSING, naming the image', async () => {
  const compose = `
services:
  ghost:
    image: swarmgate/probe:none
    command: ["sleep", "3600"]
    deploy:
      placement: { constraints: ${JSON.stringify(awayFromSpares)} }
`;
  const job = await ended(
    dataOf(await deployGql({ name: MISSING_STACK, compose, timeoutSeconds: 60 })).deployStack.id,
  );
  assert.equal(job.state, 'FAILED', JSON.stringify(job));
  assert.equal(job.errorCode, 'IMAGE_MISSING');
  assert.match(job.errorMessage ?? '', /swarmgate\/probe:none/);
});

test('POST /v1/swarms/alpha/stacks: the dry run answers 200 with the plan, the deploy 202 with the job’s Location', async () => {
  const inject = (payload: Record<string, unknown>) =>
    lab.app.inject({
      method: 'POST',
      url: '/v1/swarms/alpha/stacks',
      headers: { authorization: `Bearer ${operator}` },
      payload: { reason: REASON, ...payload },
    });
  const compose = composeFile('swarmgate/probe:1');
  const dry = await inject({ name: REST_STACK, compose, env: ENV, dryRun: true });
  answers.push(dry.body);
  assert.equal(dry.statusCode, 200, dry.body);
  const dryJob = dry.json<{ state: string; plan: Plan }>();
  assert.equal(dryJob.state, 'SUCCEEDED');
  assert.equal(dryJob.plan.create.filter((entry) => entry.kind === 'service').length, 3);
  assert.deepEqual(await stackServices(REST_STACK), []);

  const accepted = await inject({ name: REST_STACK, compose, env: ENV, timeoutSeconds: 240 });
  answers.push(accepted.body);
  assert.equal(accepted.statusCode, 202, accepted.body);
  const { id } = accepted.json<{ id: string }>();
  assert.equal(accepted.headers.location, `/v1/jobs/${id}`);
  await succeeded(id);
  const read = await lab.app.inject({
    method: 'GET',
    url: `/v1/jobs/${id}`,
    headers: { authorization: `Bearer ${operator}` },
  });
  answers.push(read.body);
  const view = read.json<{ plan: Plan; parameters: { env: string[] } }>();
  assert.equal(view.plan.create.length, 7, 'the REST job view carries the plan');
  assert.deepEqual(view.parameters.env, ['TOKEN=[REDACTED]', 'GREETING=[REDACTED]']);
  await assertAllRunning(REST_STACK);

  // Without agent, and prune: agent goes, nothing else is touched.
  const smaller = compose.replace(/ {2}agent:\n(?: {4}.*\n)+/, '');
  assert.ok(!smaller.includes('agent:'));
  const pruned = await inject({ name: REST_STACK, compose: smaller, env: ENV, prune: true });
  answers.push(pruned.body);
  assert.equal(pruned.statusCode, 202, pruned.body);
  const prunedJob = await succeeded(pruned.json<{ id: string }>().id);
  assert.deepEqual(prunedJob.planned.remove, [{ kind: 'service', name: `${REST_STACK}_agent` }]);
  assert.deepEqual(prunedJob.outcome.removed, [{ kind: 'service', name: `${REST_STACK}_agent` }]);
  assert.deepEqual(await stackServices(REST_STACK), [`${REST_STACK}_web`, `${REST_STACK}_worker`]);
});

test('a bind mount of / is FORBIDDEN, another tenant’s swarm NOT_FOUND, a file: secret and bad YAML BAD_INPUT', async () => {
  const bind = `
services:
  root:
    image: swarmgate/probe:1
    volumes: ["/:/host"]
`;
  const forbidden = await deployGql({ name: REFUSED_STACK, compose: bind, dryRun: true });
  assert.equal(forbidden.errors?.[0]?.extensions.code, 'FORBIDDEN', JSON.stringify(forbidden));
  assert.match(forbidden.errors[0].message, /services\.root: .*host path \//);
  const rest = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/alpha/stacks',
    headers: { authorization: `Bearer ${operator}` },
    payload: { name: REFUSED_STACK, compose: bind },
  });
  assert.equal(rest.statusCode, 403, rest.body);

  // Blue's operator: alpha is red's.
  const blue = tokenFor('blue', ['operator']);
  const other = await deployGql(
    { name: REFUSED_STACK, compose: composeFile('swarmgate/probe:1'), env: ENV },
    blue,
  );
  assert.equal(other.errors?.[0]?.extensions.code, 'NOT_FOUND');

  const file = await deployGql({
    name: REFUSED_STACK,
    compose:
      'services:\n  a:\n    image: swarmgate/probe:1\n    secrets: [s]\nsecrets:\n  s: { file: ./s.txt }\n',
  });
  assert.equal(file.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(file.errors[0].message, /secrets\.s: file is not taken/);
  const yaml = await deployGql({ name: REFUSED_STACK, compose: 'services:\n  a: [\n' });
  assert.equal(yaml.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(yaml.errors[0].message, /line \d+, column \d+/);
  const schema = await deployGql({
    name: REFUSED_STACK,
    compose: 'services:\n  a:\n    image: x\n    replicas: 2\n',
  });
  assert.equal(schema.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(schema.errors[0].message, /services\.a\.replicas is not a Compose key/);
  assert.deepEqual(await stackServices(REFUSED_STACK), [], 'nothing of a refused stack was made');
});

test('the secret’s value is in no answer, job row or audit row', async () => {
  for (const answer of answers) assert.ok(!answer.includes(SECRET_VALUE), 'an answer holds the secret value');
  const db = new pg.Client({ connectionString: lab.subject.db.url });
  await db.connect();
  try {
    const jobs = await db.query<{ body: string }>(
      "SELECT row_to_json(j)::text AS body FROM jobs j WHERE type = 'stack.deploy'",
    );
    assert.ok(jobs.rows.length >= 6, `${jobs.rows.length} stack.deploy jobs`);
    for (const row of jobs.rows) {
      assert.ok(!row.body.includes(SECRET_VALUE), 'a job row holds the secret value');
      assert.ok(!row.body.includes('hello from'), 'a job row holds the compose text');
    }
    const audit = await db.query<{ body: string }>(
      "SELECT row_to_json(a)::text AS body FROM audit_events a WHERE action = 'stack.deploy'",
    );
    assert.ok(audit.rows.length >= 6, `${audit.rows.length} stack.deploy audit events`);
    for (const row of audit.rows) {
      assert.ok(!row.body.includes(SECRET_VALUE), 'an audit row holds the secret value');
      assert.ok(!row.body.includes('hello from'), 'an audit row holds the compose text');
    }
  } finally {
    await db.end();
  }
});
