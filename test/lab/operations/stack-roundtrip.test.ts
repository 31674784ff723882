// A stack deployed through deployStack (GraphQL) reads back through stacks/stack with the services, networks, secret
// and config the docker CLI shows for it on alpha-m1, and removeStack (REST) leaves nothing of it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { StackRemovedObject } from '../../../src/jobs/types.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { untilJobEnds } from '../../helpers/jobs.ts';
import { labEngine } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);

const STACK = 'sgD-rt';
const NAMESPACE = 'com.docker.stack.namespace';
const SECRET_VALUE = `sg-test-secret-${Date.now().toString(36)}-roundtrip`;

const JOB_FIELDS = 'id type state errorCode errorMessage result';
interface JobView {
  id: string;
  type: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
}

interface StackView {
  name: string;
  servicesCount: number;
  runningTasks: number;
  desiredTasks: number;
  services: { id: string; name: string; mode: string; replicas: number | null; runningTasks: number }[];
  networks: { id: string; name: string }[];
  secrets: { id: string; name: string }[];
  configs: { id: string; name: string }[];
}

let lab: RedBlue;
let socket: string;
let operator: string;

/** web on an overlay network with a config and a secret, a worker, a global agent; off the spare engines. */
function composeFile(constraints: string[]): string {
  // No `$` in the command: the file's `${VAR}` interpolation stays out of the way.
  const service = (deploy: string) => `    image: swarmgate/probe:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    stop_grace_period: 2s
    deploy:
${deploy}      placement:
        constraints: [${constraints.map((c) => JSON.stringify(c)).join(', ')}]
`;
  return `services:
  web:
${service('      replicas: 2\n')}    networks: [front]
    configs:
      - source: site
        target: /etc/site.conf
    secrets: [token]
  worker:
${service('      replicas: 1\n')}  agent:
${service('      mode: global\n')}networks:
  front:
    driver: overlay
secrets:
  token:
    environment: TOKEN
configs:
  site:
    content: "listen 8080"
`;
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', `unix://${socket}`, ...args], { timeout: 60_000 });
  return stdout;
}

async function labelled(kind: 'service' | 'network' | 'secret' | 'config'): Promise<string[]> {
  const out = await docker(kind, 'ls', '--filter', `label=${NAMESPACE}=${STACK}`, '--format', '{{.Name}}');
  return out.split('\n').filter(Boolean).sort();
}

const ended = (id: string) =>
  untilJobEnds<JobView>(lab.app, operator, JOB_FIELDS, id, {
    timeoutMs: 240_000,
    intervalMs: 250,
    showJob: true,
  });

before(async () => {
  lab = await setupRedBlue();
  socket = labEngine(lab.inventory, 'alpha-m1').socket;
  operator = tokenFor('red', ['operator']);
});

after(async () => {
  await docker('stack', 'rm', STACK).catch(() => undefined);
  await lab?.subject.close();
});

test('deployStack, then stack and stacks show what the docker CLI shows, and removeStack leaves nothing', async () => {
  const spares = lab.inventory.engines.filter((e) => e.swarm === null).map((e) => `node.hostname!=${e.name}`);
  const deployed = dataOf(
    await gql<{ deployStack: JobView }>(
      lab.app,
      operator,
      `mutation ($input: DeployStackInput!) { deployStack(input: $input) { ${JOB_FIELDS} } }`,
      {
        input: {
          swarm: 'alpha',
          name: STACK,
          compose: composeFile(spares),
          env: [`TOKEN=${SECRET_VALUE}`],
          reason: 'stack roundtrip test',
        },
      },
    ),
  ).deployStack;
  const deploy = await ended(deployed.id);
  assert.equal(deploy.state, 'SUCCEEDED', JSON.stringify(deploy));

  // Read back through GraphQL: the same services as `docker stack services`, the same objects as `docker * ls`.
  const stack = dataOf(
    await gql<{ swarm: { stack: StackView; stacks: StackView[] } }>(
      lab.app,
      operator,
      `query ($name: String!) { swarm(id: "alpha") {
        stack(name: $name, fresh: true) { name servicesCount runningTasks desiredTasks
          services { id name mode replicas runningTasks } networks { id name } secrets { id name } configs { id name } }
        stacks(fresh: true) { name servicesCount } } }`,
      { name: STACK },
    ),
  ).swarm;
  const cli = (await docker('stack', 'services', STACK, '--format', '{{json .}}'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ID: string; Name: string; Mode: string; Replicas: string })
    .sort((a, b) => a.Name.localeCompare(b.Name));
  assert.deepEqual(
    stack.stack.services.map((service) => service.name),
    [`${STACK}_agent`, `${STACK}_web`, `${STACK}_worker`],
  );
  assert.deepEqual(
    stack.stack.services.map((service) => [service.name, service.mode.toLowerCase()]),
    cli.map((row) => [row.Name, row.Mode]),
  );
  for (const [index, row] of cli.entries()) {
    assert.ok(stack.stack.services[index]!.id.startsWith(row.ID), row.Name);
  }
  assert.equal(stack.stack.services.find((service) => service.name === `${STACK}_web`)?.replicas, 2);
  assert.equal(
    stack.stack.runningTasks,
    stack.stack.desiredTasks,
    'the deploy ended with every task running',
  );
  assert.deepEqual(
    stack.stack.networks.map((network) => network.name),
    await labelled('network'),
  );
  assert.ok(stack.stack.networks.some((network) => network.name === `${STACK}_front`));
  assert.deepEqual(
    stack.stack.secrets.map((secret) => secret.name),
    [`${STACK}_token`],
  );
  assert.deepEqual(
    stack.stack.configs.map((config) => config.name),
    [`${STACK}_site`],
  );
  assert.equal(stack.stacks.find((one) => one.name === STACK)?.servicesCount, 3);
  const cliStacks = (await docker('stack', 'ls', '--format', '{{.Name}} {{.Services}}')).split('\n');
  assert.ok(cliStacks.includes(`${STACK} 3`), cliStacks.join('; '));

  // Removed through REST: services, networks, secret and config, and nothing is left for the CLI to list.
  const response = await lab.app.inject({
    method: 'DELETE',
    url: `/v1/swarms/alpha/stacks/${STACK}`,
    headers: { authorization: `Bearer ${operator}` },
  });
  assert.ok([200, 202].includes(response.statusCode), response.body);
  const removal = await ended(response.json<{ id: string }>().id);
  assert.equal(removal.state, 'SUCCEEDED', JSON.stringify(removal));
  const removed = (JSON.parse(removal.result ?? '{}') as { removed: StackRemovedObject[] }).removed;
  assert.equal(removed.length, 3 + stack.stack.networks.length + 1 + 1);
  for (const kind of ['service', 'network', 'secret', 'config'] as const) {
    assert.deepEqual(await labelled(kind), [], `no ${kind} of the stack is left`);
  }
  const gone = await gql(lab.app, operator, `{ swarm(id: "alpha") { stack(name: "${STACK}") { name } } }`);
  assert.equal(gone.errors?.[0]?.extensions.code, 'NOT_FOUND');

  for (const text of [JSON.stringify(stack), JSON.stringify(deploy), JSON.stringify(removal)]) {
    assert.ok(!text.includes('sg-test-secret-'), 'no answer quotes the secret value');
  }
});
