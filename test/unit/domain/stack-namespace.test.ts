// A stack is its namespace label: names checked as the docker CLI takes them, objects grouped by the label wherever
// Docker keeps it (a network's top-level labels, a service's, secret's or config's spec).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DockerConfig, DockerNetwork, DockerSecret, DockerService } from '../../../src/docker/types.ts';
import {
  memberCount,
  membersOf,
  STACK_NAMESPACE_LABEL,
  stackNameOf,
  stackNamesIn,
} from '../../../src/domain/stack-namespace.ts';
import { isGatewayError } from '../../../src/errors.ts';

const version = { Index: 1 };
const at = '2024-01-01T00:00:00Z';
const labels = (stack?: string): Record<string, string> =>
  stack ? { [STACK_NAMESPACE_LABEL]: stack, other: 'x' } : { other: 'x' };

const service = (name: string, stack?: string): DockerService => ({
  ID: `id-${name}`,
  Version: version,
  CreatedAt: at,
  UpdatedAt: at,
  Spec: { Name: name, Labels: labels(stack), TaskTemplate: {} },
});
const network = (name: string, stack?: string): DockerNetwork => ({
  Id: `id-${name}`,
  Name: name,
  Created: at,
  Scope: 'swarm',
  Driver: 'overlay',
  Labels: stack ? labels(stack) : null,
});
const secret = (name: string, stack?: string): DockerSecret => ({
  ID: `id-${name}`,
  Version: version,
  CreatedAt: at,
  UpdatedAt: at,
  Spec: { Name: name, Labels: labels(stack) },
});
const config = (name: string, stack?: string): DockerConfig => ({
  ID: `id-${name}`,
  Version: version,
  CreatedAt: at,
  UpdatedAt: at,
  Spec: { Name: name, Labels: labels(stack) },
});

const swarm = {
  services: [
    service('shop_web', 'shop'),
    service('shop_db', 'shop'),
    service('lonely'),
    service('Ops_x', 'Ops'),
  ],
  networks: [network('shop_default', 'shop'), network('ingress'), network('left_net', 'left')],
  secrets: [secret('shop_token', 'shop'), secret('bare')],
  configs: [config('shop_site', 'shop'), config('left_conf', 'left')],
};

test('a stack is every object carrying its namespace label, and only those', () => {
  const shop = membersOf(swarm, 'shop');
  assert.deepEqual(
    shop.services.map((s) => s.Spec.Name),
    ['shop_web', 'shop_db'],
  );
  assert.deepEqual(
    shop.networks.map((n) => n.Name),
    ['shop_default'],
  );
  assert.deepEqual(
    shop.secrets.map((s) => s.Spec.Name),
    ['shop_token'],
  );
  assert.deepEqual(
    shop.configs.map((c) => c.Spec.Name),
    ['shop_site'],
  );
  assert.equal(memberCount(shop), 5);
  assert.equal(memberCount(membersOf(swarm, 'sho')), 0, 'a prefix of a stack name is not the stack');
});

test('the stacks are the label values, sorted; a stack left with networks or configs only is one too', () => {
  assert.deepEqual(stackNamesIn(swarm), ['left', 'Ops', 'shop']);
  assert.deepEqual(stackNamesIn({ services: [], networks: [], secrets: [], configs: [] }), []);
});

test('stack names: what the docker CLI deploys is accepted, anything else is BAD_INPUT naming the field', () => {
  for (const name of ['sgD-cli', 'shop', 'My.App_2', 'a', 'x'.repeat(50)])
    assert.equal(stackNameOf(name), name);
  for (const name of ['', '-dash', '_under', '.dot', 'has space', 'a/b', 'ünï', 'x'.repeat(51), 42, null]) {
    assert.throws(
      () => stackNameOf(name, 'params.stack'),
      (error: unknown) =>
        isGatewayError(error) &&
        error.code === 'BAD_INPUT' &&
        error.message.startsWith('params.stack must be'),
      String(name),
    );
  }
});
