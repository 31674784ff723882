// The swarm policy as a pure rule: which bind mounts, capabilities and privileges it refuses, and path tricks that
// must not get around it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DockerMount, DockerServiceSpec } from '../../../src/docker/types.ts';
import { GatewayError } from '../../../src/errors.ts';
import {
  checkServiceAgainstPolicy,
  DEFAULT_SWARM_POLICY,
  isUnder,
  normaliseCapability,
  normaliseHostPath,
  swarmPolicyOf,
  type SwarmPolicy,
} from '../../../src/domain/swarm-policy.ts';

function specWith(
  container: NonNullable<DockerServiceSpec['TaskTemplate']['ContainerSpec']>,
): DockerServiceSpec {
  return { Name: 'sgA-unit', TaskTemplate: { ContainerSpec: { Image: 'swarmgate/probe:1', ...container } } };
}

const bind = (source: string, target = '/host'): DockerMount => ({
  Type: 'bind',
  Source: source,
  Target: target,
});

function policy(partial: Partial<SwarmPolicy>): SwarmPolicy {
  return { ...DEFAULT_SWARM_POLICY, ...partial };
}

const isCode = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (message) assert.match(error.message, message);
  return true;
};

test('the default policy allows no bind mount, capability or privileges, and says who can allow them', () => {
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ Mounts: [bind('/')] }), DEFAULT_SWARM_POLICY),
    isCode('FORBIDDEN', /host path \/ .*setSwarmPolicy/),
  );
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ CapabilityAdd: ['NET_ADMIN'] }), DEFAULT_SWARM_POLICY),
    isCode('FORBIDDEN', /CAP_NET_ADMIN.*setSwarmPolicy/),
  );
  assert.throws(
    () =>
      checkServiceAgainstPolicy(
        specWith({ Privileges: { SELinuxContext: { Type: 'spc_t' } } }),
        DEFAULT_SWARM_POLICY,
      ),
    isCode('FORBIDDEN', /privileges.*setSwarmPolicy/),
  );
});

test('volumes and tmpfs need no policy; an empty Privileges object is no privilege', () => {
  checkServiceAgainstPolicy(
    specWith({
      Mounts: [
        { Type: 'volume', Source: 'data', Target: '/data' },
        { Type: 'tmpfs', Target: '/tmp' },
      ],
      Privileges: { SELinuxContext: {} },
    }),
    DEFAULT_SWARM_POLICY,
  );
});

test('a bind source is allowed when equal to or under an allowed path, on a segment boundary', () => {
  const allowed = policy({ bindMountPaths: ['/var/lib'] });
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var/lib')] }), allowed);
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var/lib/x')] }), allowed);
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var/lib/x/')] }), allowed);
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var/library')] }), allowed),
    isCode('FORBIDDEN', /\/var\/library/),
  );
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var')] }), allowed),
    isCode('FORBIDDEN'),
  );
});

test('.., //, . and trailing / do not get around the policy', () => {
  const allowed = policy({ bindMountPaths: ['/var/lib'] });
  for (const trick of [
    '/var/lib/../../',
    '/var/lib/..',
    '/etc/../',
    '//',
    '/var/lib/../../etc',
    '/./',
    '/var/lib/x/../../../',
  ]) {
    assert.throws(
      () => checkServiceAgainstPolicy(specWith({ Mounts: [bind(trick)] }), allowed),
      isCode('FORBIDDEN'),
      trick,
    );
  }
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/var//lib/./x')] }), allowed);
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/etc/../var/lib/x')] }), allowed);
});

test('/ is allowed only when / is listed, and then every path is', () => {
  assert.throws(
    () =>
      checkServiceAgainstPolicy(
        specWith({ Mounts: [bind('/')] }),
        policy({ bindMountPaths: ['/var', '/etc'] }),
      ),
    isCode('FORBIDDEN'),
  );
  const root = policy({ bindMountPaths: ['/'] });
  checkServiceAgainstPolicy(specWith({ Mounts: [bind('/'), bind('/etc', '/etc2')] }), root);
});

test('a relative bind source is BAD_INPUT, never allowed', () => {
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ Mounts: [bind('etc')] }), policy({ bindMountPaths: ['/'] })),
    isCode('BAD_INPUT', /absolute/),
  );
});

test('a local volume whose device is a host path counts as that host path', () => {
  const disguised: DockerMount = {
    Type: 'volume',
    Target: '/host',
    VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } },
  };
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ Mounts: [disguised] }), DEFAULT_SWARM_POLICY),
    isCode('FORBIDDEN', /host path \//),
  );
  checkServiceAgainstPolicy(specWith({ Mounts: [disguised] }), policy({ bindMountPaths: ['/'] }));
});

test('capabilities compare case-insensitively, with or without CAP_', () => {
  const allowed = policy({ capabilities: ['cap_net_admin', 'SYS_TIME'] });
  checkServiceAgainstPolicy(
    specWith({ CapabilityAdd: ['NET_ADMIN', 'cap_sys_time', 'CAP_NET_ADMIN'] }),
    allowed,
  );
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ CapabilityAdd: ['SYS_ADMIN'] }), allowed),
    isCode('FORBIDDEN', /CAP_SYS_ADMIN/),
  );
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ CapabilityAdd: ['ALL'] }), allowed),
    isCode('FORBIDDEN', /ALL/),
  );
  assert.throws(
    () => checkServiceAgainstPolicy(specWith({ CapabilityAdd: ['NOT_A_CAP'] }), allowed),
    isCode('BAD_INPUT'),
  );
  // Dropping needs no policy.
  checkServiceAgainstPolicy(specWith({ CapabilityDrop: ['ALL'] }), DEFAULT_SWARM_POLICY);
});

test('privileges are allowed with allowPrivileges', () => {
  checkServiceAgainstPolicy(
    specWith({ Privileges: { CredentialSpec: { Config: 'x' } } }),
    policy({ allowPrivileges: true }),
  );
});

test('swarmPolicyOf normalises, de-duplicates and sorts, and refuses what is not a path or capability', () => {
  assert.deepEqual(
    swarmPolicyOf({
      bindMountPaths: ['/var/lib/', '/var//lib', '/srv/../opt'],
      capabilities: ['net_admin', 'CAP_NET_ADMIN', 'SYS_TIME'],
      allowPrivileges: true,
    }),
    {
      bindMountPaths: ['/opt', '/var/lib'],
      capabilities: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'],
      allowPrivileges: true,
    },
  );
  assert.deepEqual(swarmPolicyOf({}), DEFAULT_SWARM_POLICY);
  assert.throws(
    () => swarmPolicyOf({ bindMountPaths: ['var/lib'] }),
    isCode('BAD_INPUT', /bindMountPaths\[0\]/),
  );
  assert.throws(() => swarmPolicyOf({ bindMountPaths: [''] }), isCode('BAD_INPUT', /bindMountPaths\[0\]/));
  assert.throws(() => swarmPolicyOf({ capabilities: ['NOPE'] }), isCode('BAD_INPUT', /capabilities\[0\]/));
  assert.throws(
    () => swarmPolicyOf({ bindMountPaths: Array.from({ length: 51 }, (_, i) => `/p${i}`) }),
    isCode('BAD_INPUT', /at most 50/),
  );
});

test('the helpers: normaliseHostPath, isUnder, normaliseCapability', () => {
  assert.equal(normaliseHostPath('/a/b/../c/'), '/a/c');
  assert.equal(normaliseHostPath('//'), '/');
  assert.equal(normaliseHostPath('a/b'), null);
  assert.equal(isUnder('/var/lib/x', '/var/lib'), true);
  assert.equal(isUnder('/var/library', '/var/lib'), false);
  assert.equal(isUnder('/anything', '/'), true);
  assert.equal(normaliseCapability(' net_raw '), 'CAP_NET_RAW');
  assert.equal(normaliseCapability('all'), 'ALL');
  assert.equal(normaliseCapability('CAP_FOO'), null);
});
