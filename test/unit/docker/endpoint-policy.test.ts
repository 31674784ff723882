// The engine endpoint policy as a function (src/docker/endpoint-policy.ts): address spellings and names resolving to
// several addresses, with a resolver of the test's own. The policy at every door of a gateway, and a name pinned to
// a lab engine's address, are in test/lab/docker/endpoint-policy.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Principal } from '../../../src/auth/principal.ts';
import { canonicalAddress, createEndpointPolicy } from '../../../src/docker/endpoint-policy.ts';

const LAB_NETWORK = '192.168.77.0/24';
/** PEM-shaped material: the policy refuses before anything connects, so no certificate is ever read. */
const pem = (label: string) => `-----BEGIN ${label}-----\nnot used by the policy\n-----END ${label}-----\n`;
const tls = { ca: pem('CERTIFICATE'), cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') };

describe('the policy itself: every resolved address is checked', () => {
  const tenantAdmin: Principal = { sub: 'a', tenant: 'acme', roles: ['admin'], actors: [] };

  test('IPv4-mapped and other spellings are matched as the IPv4 address they reach', () => {
    assert.deepEqual(canonicalAddress('::ffff:127.0.0.1'), { address: '127.0.0.1', family: 'ipv4' });
    assert.deepEqual(canonicalAddress('0:0:0:0:0:ffff:7f00:1'), { address: '127.0.0.1', family: 'ipv4' });
    assert.deepEqual(canonicalAddress('FE80::1'), { address: 'fe80::1', family: 'ipv6' });
    assert.equal(canonicalAddress('localhost'), null);
  });

  test('a name with one good and one loopback address is refused (every address counts)', async () => {
    const policy = createEndpointPolicy({
      networks: [LAB_NETWORK],
      resolve: () => Promise.resolve(['192.168.77.11', '127.0.0.1']),
    });
    await assert.rejects(
      policy.check({ url: 'tcp://engine.example.test:2376', tls }, tenantAdmin),
      (error: Error) =>
        /engine\.example\.test resolves to 127\.0\.0\.1, which is a loopback/.test(error.message),
    );
  });
});
