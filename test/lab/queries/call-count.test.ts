import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { dockerFor, labEngine, waitUntil } from '../../helpers/lab.ts';
import { dataOf, gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const SERVICES = 20;
const PREFIX = 'callcount-';
let lab: RedBlue;
let docker: Docker;

async function removeTestServices(): Promise<void> {
  const services = await docker.listServices({ filters: { name: [PREFIX] } });
  await Promise.all(services.map((service) => docker.getService(service.ID).remove()));
}

before(async () => {
  // Live reads (no swarm state): what one request's memoised reads cost by themselves. With the state on (the
  // default), test/state/cache.test.ts counts the calls of 1,000 reads.
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'off' });
  docker = dockerFor(labEngine(lab.inventory, 'alpha-m1'));
  await removeTestServices();
  for (let index = 0; index < SERVICES; index += 1) {
    await docker.createService({
      Name: `${PREFIX}${String(index).padStart(2, '0')}`,
      TaskTemplate: { ContainerSpec: { Image: 'swarmgate/probe:1' } },
      Mode: { Replicated: { Replicas: 1 } },
    });
  }
  await waitUntil(
    `${SERVICES} tasks assigned`,
    async () => {
      const tasks = await docker.listTasks({ filters: { 'desired-state': ['running'] } });
      const ours = (tasks as { NodeID?: string }[]).filter((task) => task.NodeID);
      return ours.length >= SERVICES ? true : `${ours.length} assigned`;
    },
    120_000,
    1000,
  );
});
after(async () => {
  await removeTestServices().catch(() => undefined);
  await lab?.subject.close();
});

test('a nested query swarm → services → tasks → node over 20 services makes a bounded number of Docker calls', async () => {
  const before = lab.app.swarmClients.callCounts().get('alpha') ?? 0;
  const answer = dataOf(
    await gql<{
      swarm: { services: { items: { name: string; tasks: { node: { hostname: string } | null }[] }[] } };
    }>(
      lab.app,
      lab.tokens.redViewer,
      `{ swarm(id: "alpha") { services(filter: { name: "${PREFIX}" }) { items { name tasks { id state node { hostname } } } } } }`,
    ),
  );
  const calls = (lab.app.swarmClients.callCounts().get('alpha') ?? 0) - before;
  const services = answer.swarm.services.items;
  assert.equal(services.length, SERVICES);
  const nodes = services
    .flatMap((service) => service.tasks.map((task) => task.node?.hostname))
    .filter(Boolean);
  assert.ok(nodes.length >= SERVICES, `every service has a task on a node (${nodes.length})`);
  // One list of services, one of tasks, one of nodes: not one call per parent.
  assert.ok(calls <= 3, `the query made ${calls} Docker API calls`);
  console.log(`nested query over ${SERVICES} services, ${nodes.length} tasks: ${calls} Docker API calls`);
});
