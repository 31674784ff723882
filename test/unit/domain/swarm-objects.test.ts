// The rules of networks, secrets and configs that need no engine: subnets, names, values and their limits, the
// rotated secret's default name, and who uses what.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { DockerNetwork, DockerService } from '../../../src/docker/types.ts';
import {
  MAX_CONFIG_BYTES,
  MAX_SECRET_BYTES,
  nextSecretName,
  objectLabels,
  objectName,
  sealedValue,
  servicesUsingNetwork,
  servicesUsingSecret,
  subnetList,
} from '../../../src/domain/swarm-objects.ts';
import { isGatewayError } from '../../../src/errors.ts';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isGatewayError(error), String(error));
    assert.equal(error.code, 'BAD_INPUT');
    return error.message;
  }
  assert.fail('not refused');
}

test('subnets: network addresses, gateways and ranges inside, no overlaps; IPv4 and IPv6', () => {
  assert.deepEqual(subnetList([{ subnet: '10.1.0.0/16', gateway: '10.1.0.1', ipRange: '10.1.128.0/17' }]), [
    { subnet: '10.1.0.0/16', gateway: '10.1.0.1', ipRange: '10.1.128.0/17' },
  ]);
  assert.deepEqual(subnetList([{ subnet: 'fd00:20::/64', gateway: 'fd00:20::1' }]), [
    { subnet: 'fd00:20::/64', gateway: 'fd00:20::1', ipRange: null },
  ]);
  assert.deepEqual(subnetList([{ subnet: '10.2.0.0/24' }, { subnet: '10.2.1.0/24' }]).length, 2);
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.5/16' }])),
    /host bits/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: 'fd00:20::1/64' }])),
    /host bits/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.0/33' }])),
    /prefix length/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.0' }])),
    /must be a CIDR/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.0/24', gateway: '10.1.1.1' }])),
    /not inside/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.0/24', gateway: 'fd00::1' }])),
    /not inside/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.1.0.0/24', ipRange: '10.1.0.0/23' }])),
    /not inside/,
  );
  assert.match(
    refusal(() => subnetList([{ subnet: '10.3.4.0/24' }, { subnet: '10.3.0.0/16' }])),
    /subnets\[1\]\.subnet 10\.3\.0\.0\/16 overlaps subnets\[0\]/,
  );
});

test('names and labels: the docker CLI rule, reserved label keys refused', () => {
  assert.equal(objectName('db.password_v2-a'), 'db.password_v2-a');
  for (const bad of ['', '-a', 'a-', 'a b', 'x'.repeat(65), 'a/b']) refusal(() => objectName(bad));
  assert.deepEqual(objectLabels([{ key: ' team ', value: 'ops' }]), { team: 'ops' });
  assert.match(
    refusal(() => objectLabels([{ key: 'com.swarmgate.job', value: 'x' }])),
    /reserved/,
  );
  assert.match(
    refusal(() =>
      objectLabels([
        { key: 'a', value: '' },
        { key: 'a', value: '' },
      ]),
    ),
    /twice/,
  );
});

test('values: text or strict base64, within the limit to the byte, with size and SHA-256; never quoted', () => {
  const text = sealedValue('sg-test-secret-abc', 'TEXT', MAX_SECRET_BYTES);
  assert.equal(Buffer.from(text.data, 'base64').toString(), 'sg-test-secret-abc');
  assert.equal(text.size, 18);
  assert.equal(text.sha256, createHash('sha256').update('sg-test-secret-abc').digest('hex'));
  assert.equal(sealedValue(Buffer.from([0, 1, 255]).toString('base64'), 'BASE64', MAX_SECRET_BYTES).size, 3);
  assert.equal(sealedValue('x'.repeat(MAX_SECRET_BYTES), 'TEXT', MAX_SECRET_BYTES).size, MAX_SECRET_BYTES);
  const over = refusal(() =>
    sealedValue(`sg-test-secret-${'x'.repeat(MAX_SECRET_BYTES)}`, 'TEXT', MAX_SECRET_BYTES),
  );
  assert.match(over, /at most 512000 bytes/);
  assert.ok(!over.includes('sg-test-secret-'));
  assert.match(
    refusal(() => sealedValue('sg-test-secret-*', 'BASE64', MAX_SECRET_BYTES)),
    /not valid base64/,
  );
  assert.match(
    refusal(() => sealedValue('', 'TEXT', MAX_CONFIG_BYTES)),
    /must not be empty/,
  );
  assert.equal(MAX_CONFIG_BYTES, 1000 * 1024);
});

test("a rotated secret's default name counts its version up", () => {
  assert.equal(nextSecretName('db-password'), 'db-password-v2');
  assert.equal(nextSecretName('db-password-v2'), 'db-password-v3');
  assert.equal(nextSecretName('db-v9'), 'db-v10');
  const long = nextSecretName(`${'a'.repeat(63)}b`);
  assert.equal(long.length, 64);
  assert.ok(long.endsWith('-v2'));
});

test('users: services by task-template network (ID or name), ingress by published ports, secrets by ID', () => {
  const service = (name: string, extra: Partial<DockerService['Spec']['TaskTemplate']>, ports = false) =>
    ({
      ID: `id-${name}`,
      Version: { Index: 1 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Name: name, TaskTemplate: extra },
      ...(ports ? { Endpoint: { Ports: [{ TargetPort: 80, PublishMode: 'ingress' }] } } : {}),
    }) as DockerService;
  const net = { Id: 'n1', Name: 'web', Scope: 'swarm', Driver: 'overlay', Created: '' } as DockerNetwork;
  const ingress = { ...net, Id: 'ing', Name: 'ingress', Ingress: true };
  const services = [
    service('by-id', { Networks: [{ Target: 'n1' }] }),
    service('by-name', { Networks: [{ Target: 'web' }] }),
    service('published', {}, true),
    service('secretive', { ContainerSpec: { Secrets: [{ SecretID: 's1', SecretName: 'db' }] } }),
  ];
  assert.deepEqual(
    servicesUsingNetwork(services, net).map((s) => s.Spec.Name),
    ['by-id', 'by-name'],
  );
  assert.deepEqual(
    servicesUsingNetwork(services, ingress).map((s) => s.Spec.Name),
    ['published'],
  );
  assert.deepEqual(
    servicesUsingSecret(services, 's1').map((s) => s.Spec.Name),
    ['secretive'],
  );
});
