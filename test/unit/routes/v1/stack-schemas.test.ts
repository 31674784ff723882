// The stack response schemas serialise every field of the stack views (fast-json-stringify silently drops a
// property its schema does not declare), as test/unit/routes/v1/schemas.test.ts checks the other views.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import type { DockerService } from '../../../../src/docker/types.ts';
import type { StackView } from '../../../../src/queries/stack-queries.ts';
import { toServiceView } from '../../../../src/queries/views.ts';
import { listOf } from '../../../../src/routes/v1/schemas.ts';
import { stackSchema } from '../../../../src/routes/v1/stacks/schemas.ts';

const service: DockerService = {
  ID: 'svc1',
  Version: { Index: 3 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:00Z',
  Spec: {
    Name: 'shop_web',
    Labels: { 'com.docker.stack.namespace': 'shop' },
    TaskTemplate: { ContainerSpec: { Image: 'swarmgate/probe:1' } },
    Mode: { Replicated: { Replicas: 2 } },
  },
};

const stack: StackView = {
  name: 'shop',
  swarmId: 'swarm1',
  services: [toServiceView('swarm1', service, [])],
  servicesCount: 1,
  runningTasks: 0,
  desiredTasks: 2,
  networks: [{ id: 'net1', name: 'shop_default' }],
  secrets: [{ id: 'sec1', name: 'shop_token' }],
  configs: [],
};

const app = Fastify();
app.get('/stack', { schema: { response: { 200: stackSchema } } }, () => stack);
app.get('/stacks', { schema: { response: { 200: listOf('stacks', stackSchema) } } }, () => ({
  totalCount: 1,
  items: [stack],
}));
after(() => app.close());

test('a stack and a list of stacks serialise every field unchanged', async () => {
  const one = await app.inject({ method: 'GET', url: '/stack' });
  assert.deepEqual(one.json(), JSON.parse(JSON.stringify(stack)));
  const list = await app.inject({ method: 'GET', url: '/stacks' });
  assert.deepEqual(list.json(), { totalCount: 1, items: [JSON.parse(JSON.stringify(stack))] });
});
