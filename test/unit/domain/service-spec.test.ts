// The service spec as pure rules: createService's input → Docker's ServiceSpec, the checks that refuse malformed
// fields naming them, the read shape that goes back to the same spec, and updates that change only what they name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../../src/audit/chain.ts';
import { GatewayError } from '../../../src/errors.ts';
import {
  applyServiceChange,
  sameServiceSpec,
  serviceChangeOf,
  serviceDefinitionOf,
  serviceSpecView,
  specsEqual,
} from '../../../src/domain/service-spec.ts';
import { resolveServiceRefs, type SpecObjects } from '../../../src/domain/service-spec-fields.ts';

const isCode = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (message) assert.match(error.message, message);
  return true;
};

const OBJECTS: SpecObjects = {
  networks: [
    { id: 'net0123456789', name: 'sgA-net', usable: true },
    { id: 'ingress0000', name: 'ingress', usable: false },
  ],
  secrets: [{ id: 'sec0123456789', name: 'sgA-secret' }],
  configs: [{ id: 'cfg0123456789', name: 'sgA-config' }],
};

/** Every field of issue 13, as a client sends them. */
const FULL = {
  name: 'sgA-full',
  image: 'swarmgate/probe:1',
  replicas: 2,
  env: ['A=1'],
  labels: [{ key: 'team', value: 'a' }],
  command: ['sh', '-c'],
  args: ['sleep 3600'],
  constraints: ['node.role==worker'],
  ports: [{ targetPort: 80, publishedPort: 30080, protocol: 'TCP', publishMode: 'HOST' }],
  networks: [{ target: 'sgA-net', aliases: ['web'] }],
  mounts: [
    { type: 'TMPFS', target: '/scratch', tmpfsOptions: { sizeBytes: 1048576, mode: 448 } },
    {
      type: 'VOLUME',
      source: 'sgA-data',
      target: '/data',
      readOnly: true,
      volumeOptions: { noCopy: true, labels: [{ key: 'k', value: 'v' }], driver: { name: 'local' } },
    },
  ],
  secrets: [{ secret: 'sgA-secret', target: 'token', mode: 256 }],
  configs: [{ config: 'sgA-config', target: '/etc/app.conf', uid: '1000', gid: '1000' }],
  resources: {
    limits: { cpus: 0.5, memoryBytes: 67108864, pids: 100 },
    reservations: { cpus: 0.1, memoryBytes: 8388608 },
  },
  restartPolicy: { condition: 'ON_FAILURE', delaySeconds: 2, maxAttempts: 3, windowSeconds: 10 },
  healthcheck: {
    test: ['CMD-SHELL', 'true'],
    intervalSeconds: 5,
    timeoutSeconds: 2,
    retries: 3,
    startPeriodSeconds: 1,
  },
  placementPreferences: [{ spread: 'node.labels.zone' }],
  maxReplicasPerNode: 1,
  endpointMode: 'DNSRR',
  hostname: 'probe',
  user: '1000:1000',
  workingDir: '/tmp',
  stopSignal: 'SIGUSR1',
  stopGracePeriodSeconds: 3,
  readOnly: true,
  containerLabels: [{ key: 'c', value: 'd' }],
  capabilityAdd: ['net_admin'],
  capabilityDrop: ['CAP_MKNOD'],
} as const;

function built(input: Record<string, unknown>) {
  return resolveServiceRefs(serviceDefinitionOf(input).spec, OBJECTS);
}

test('every field reaches the ServiceSpec in Docker terms', () => {
  const spec = built(FULL);
  const task = spec.TaskTemplate;
  const container = task.ContainerSpec!;
  assert.deepEqual(task.Networks, [{ Target: 'net0123456789', Aliases: ['web'] }]);
  assert.deepEqual(container.Mounts?.[0], {
    Type: 'tmpfs',
    Target: '/scratch',
    TmpfsOptions: { SizeBytes: 1048576, Mode: 448 },
  });
  assert.equal(container.Mounts?.[1]?.VolumeOptions?.DriverConfig?.Name, 'local');
  assert.deepEqual(container.Secrets, [
    {
      SecretID: 'sec0123456789',
      SecretName: 'sgA-secret',
      File: { Name: 'token', UID: '0', GID: '0', Mode: 256 },
    },
  ]);
  assert.deepEqual(container.Configs, [
    {
      ConfigID: 'cfg0123456789',
      ConfigName: 'sgA-config',
      File: { Name: '/etc/app.conf', UID: '1000', GID: '1000', Mode: 0o444 },
    },
  ]);
  assert.deepEqual(task.Resources, {
    Limits: { NanoCPUs: 5e8, MemoryBytes: 67108864, Pids: 100 },
    Reservations: { NanoCPUs: 1e8, MemoryBytes: 8388608 },
  });
  assert.deepEqual(task.RestartPolicy, { Condition: 'on-failure', Delay: 2e9, MaxAttempts: 3, Window: 10e9 });
  assert.deepEqual(container.Healthcheck, {
    Test: ['CMD-SHELL', 'true'],
    Interval: 5e9,
    Timeout: 2e9,
    Retries: 3,
    StartPeriod: 1e9,
  });
  assert.deepEqual(task.Placement, {
    Constraints: ['node.role==worker'],
    Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
    MaxReplicas: 1,
  });
  assert.equal(spec.EndpointSpec?.Mode, 'dnsrr');
  assert.equal(container.Hostname, 'probe');
  assert.equal(container.User, '1000:1000');
  assert.equal(container.Dir, '/tmp');
  assert.equal(container.StopSignal, 'SIGUSR1');
  assert.equal(container.StopGracePeriod, 3e9);
  assert.equal(container.ReadOnly, true);
  assert.deepEqual(container.Labels, { c: 'd' });
  assert.deepEqual(container.CapabilityAdd, ['CAP_NET_ADMIN']);
  assert.deepEqual(container.CapabilityDrop, ['CAP_MKNOD']);
});

test('the read shape, sent back, builds the same spec (round trip)', () => {
  const spec = built(FULL);
  const names = new Map(OBJECTS.networks.map((network) => [network.id, network.name]));
  const view = serviceSpecView(spec, (id) => names.get(id) ?? id);
  assert.deepEqual(view.networks, [{ target: 'sgA-net', aliases: ['web'] }]);
  assert.deepEqual(view.secrets, [{ secret: 'sgA-secret', target: 'token', uid: '0', gid: '0', mode: 256 }]);
  const again = built(JSON.parse(JSON.stringify(view)) as Record<string, unknown>);
  assert.equal(canonicalJson(again), canonicalJson(spec));
  assert.ok(sameServiceSpec(spec, again));
  // By network ID (a read that could not name it) it resolves the same.
  const byId = built(JSON.parse(JSON.stringify(serviceSpecView(spec))) as Record<string, unknown>);
  assert.equal(canonicalJson(byId), canonicalJson(spec));
});

test('a minimal service reads back and round-trips too', () => {
  const spec = built({ name: 'sgA-min', image: 'swarmgate/probe:1' });
  const view = serviceSpecView(spec);
  assert.equal(view.endpointMode, 'VIP');
  assert.equal(view.replicas, 1);
  assert.ok(sameServiceSpec(spec, built(JSON.parse(JSON.stringify(view)) as Record<string, unknown>)));
});

test('what Docker fills in (restart policy, VIP, file owners) compares equal to leaving it out', () => {
  const spec = built({ name: 'sgA-d', image: 'swarmgate/probe:1', secrets: [{ secret: 'sgA-secret' }] });
  const stored = structuredClone(spec);
  stored.TaskTemplate.RestartPolicy = { Condition: 'any', Delay: 5e9, MaxAttempts: 0 };
  stored.EndpointSpec = { Mode: 'vip' };
  stored.TaskTemplate.ContainerSpec!.ReadOnly = false;
  assert.ok(sameServiceSpec(spec, stored));
  assert.ok(specsEqual(spec, stored));
  const other = structuredClone(stored);
  other.TaskTemplate.RestartPolicy = { Condition: 'none' };
  assert.equal(sameServiceSpec(spec, other), false);
});

test('malformed fields are BAD_INPUT naming the field', () => {
  const base = { name: 'sgA-bad', image: 'swarmgate/probe:1' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ mounts: [{ type: 'BIND', source: 'etc', target: '/x' }] }, /mounts\[0\]\.source/],
    [{ mounts: [{ type: 'VOLUME', target: 'relative' }] }, /mounts\[0\]\.target/],
    [{ mounts: [{ type: 'TMPFS', source: 'x', target: '/x' }] }, /mounts\[0\]\.source/],
    [{ mounts: [{ type: 'TMPFS', target: '/x', volumeOptions: {} }] }, /mounts\[0\]\.volumeOptions/],
    [
      {
        mounts: [
          { type: 'TMPFS', target: '/x' },
          { type: 'TMPFS', target: '/x/' },
        ],
      },
      /given twice/,
    ],
    [{ resources: { limits: { cpus: 0 } } }, /resources\.limits\.cpus/],
    [{ resources: { limits: { memoryBytes: 1024 } } }, /resources\.limits\.memoryBytes/],
    [{ restartPolicy: { condition: 'SOMETIMES' } }, /restartPolicy\.condition/],
    [{ healthcheck: { test: ['true'] } }, /healthcheck\.test/],
    [{ healthcheck: { test: ['NONE', 'x'] } }, /healthcheck\.test/],
    [{ healthcheck: { intervalSeconds: 0.0000001 } }, /healthcheck\.intervalSeconds/],
    [{ placementPreferences: [{ spread: 'rm -rf' }] }, /placementPreferences\[0\]\.spread/],
    [{ maxReplicasPerNode: -1 }, /maxReplicasPerNode/],
    [{ endpointMode: 'DNSRR', ports: [{ targetPort: 80 }] }, /DNSRR/],
    [{ hostname: 'bad host' }, /hostname/],
    [{ user: 'root;rm' }, /user/],
    [{ workingDir: 'tmp' }, /workingDir/],
    [{ stopSignal: 'kill me' }, /stopSignal/],
    [{ stopGracePeriodSeconds: -1 }, /stopGracePeriodSeconds/],
    [{ capabilityAdd: ['NOT_A_CAP'] }, /capabilityAdd\[0\]/],
    [{ secrets: [{ secret: 'a', target: '../x' }] }, /secrets\[0\]\.target/],
    [{ secrets: [{ secret: 'a', mode: 4096 }] }, /secrets\[0\]\.mode/],
    [{ secrets: [{ secret: 'a', uid: 'root' }] }, /secrets\[0\]\.uid/],
    [{ networks: Array.from({ length: 21 }, (_, i) => ({ target: `n${i}` })) }, /networks/],
    [{ privileges: { credentialSpec: { config: 'a', file: 'b' } } }, /credentialSpec/],
    [{ containerLabels: [{ key: '' }] }, /containerLabels/],
  ];
  for (const [fields, message] of cases) {
    assert.throws(
      () => serviceDefinitionOf({ ...base, ...fields }),
      isCode('BAD_INPUT', message),
      JSON.stringify(fields),
    );
  }
});

test('references that name nothing, or ingress, are BAD_INPUT naming the field', () => {
  const spec = (fields: Record<string, unknown>) =>
    serviceDefinitionOf({ name: 'sgA-r', image: 'swarmgate/probe:1', ...fields }).spec;
  assert.throws(
    () => resolveServiceRefs(spec({ secrets: [{ secret: 'nope' }] }), OBJECTS),
    isCode('BAD_INPUT', /secrets\[0\]\.secret.*no secret "nope"/),
  );
  assert.throws(
    () => resolveServiceRefs(spec({ configs: [{ config: 'nope' }] }), OBJECTS),
    isCode('BAD_INPUT', /configs\[0\]\.config/),
  );
  assert.throws(
    () => resolveServiceRefs(spec({ networks: [{ target: 'ingress' }] }), OBJECTS),
    isCode('BAD_INPUT', /networks\[0\]\.target/),
  );
  assert.throws(
    () => resolveServiceRefs(spec({ networks: [{ target: 'sgA-net' }, { target: 'net0123' }] }), OBJECTS),
    isCode('BAD_INPUT', /given twice/),
  );
  // A unique ID prefix resolves, as with the docker CLI.
  const resolved = resolveServiceRefs(spec({ secrets: [{ secret: 'sec01' }] }), OBJECTS);
  assert.equal(resolved.TaskTemplate.ContainerSpec?.Secrets?.[0]?.SecretName, 'sgA-secret');
});

test('an update changes only the fields it names', () => {
  const before = built(FULL);
  const change = serviceChangeOf({ hostname: 'other' });
  const after = applyServiceChange(before, change);
  const expected = structuredClone(before);
  expected.TaskTemplate.ContainerSpec!.Hostname = 'other';
  assert.equal(canonicalJson(after), canonicalJson(expected));

  const cleared = applyServiceChange(before, serviceChangeOf({ hostname: '', maxReplicasPerNode: 0 }));
  assert.equal(cleared.TaskTemplate.ContainerSpec?.Hostname, undefined);
  assert.equal(cleared.TaskTemplate.Placement?.MaxReplicas, undefined);
  assert.deepEqual(cleared.TaskTemplate.Placement?.Constraints, ['node.role==worker']);

  const rollback = applyServiceChange(before, serviceChangeOf({ rollbackConfig: { parallelism: 3 } }));
  assert.equal(rollback.RollbackConfig?.Parallelism, 3);
  assert.equal(canonicalJson(rollback.UpdateConfig), canonicalJson(before.UpdateConfig));
});

test('an update with the read spec sent back is a no-op; name and mode must be the service’s own', () => {
  const before = built(FULL);
  const view = JSON.parse(JSON.stringify(serviceSpecView(before))) as Record<string, unknown>;
  const after = resolveServiceRefs(applyServiceChange(before, serviceChangeOf(view)), OBJECTS);
  assert.ok(specsEqual(after, before));
  assert.throws(
    () => applyServiceChange(before, serviceChangeOf({ name: 'sgA-renamed' })),
    isCode('BAD_INPUT', /renamed/),
  );
  assert.throws(
    () => applyServiceChange(before, serviceChangeOf({ mode: 'GLOBAL' })),
    isCode('BAD_INPUT', /mode/),
  );
  assert.throws(() => serviceChangeOf({}), isCode('BAD_INPUT', /nothing to update/));
});
