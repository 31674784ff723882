import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { ecKeyPair, rsaKeyPair } from '../../helpers/keys.ts';
import {
  addAuthProbeRoutes,
  assertUnauthenticated,
  bearer,
  claimsFor,
  signToken,
} from '../../helpers/tokens.ts';

// The test config sets an HS256 secret by default; an empty value unsets it (exactly one key source is allowed).
const NO_SECRET = { SWARMGATE_JWT_SECRET: '' };

const whoami = (harness: TestApp, token: string) =>
  harness.app.inject({ method: 'GET', url: '/v1/test/whoami', headers: bearer(token) });

describe('RS256 with a PEM public key', () => {
  const keys = rsaKeyPair();
  let harness: TestApp;
  before(async () => {
    harness = await buildTestApp(
      { ...NO_SECRET, SWARMGATE_JWT_PUBLIC_KEY: keys.publicPem },
      { beforeReady: addAuthProbeRoutes },
    );
  });
  after(() => harness.close());

  test('an RS256 token signed by the matching private key is accepted', async () => {
    const response = await whoami(harness, signToken(claimsFor(), { alg: 'RS256', key: keys.privateKey }));
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json<{ sub: string }>().sub, 'alice');
  });

  test('an RS256 token signed by another key is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'RS256', key: rsaKeyPair().privateKey });
    assertUnauthenticated(await whoami(harness, token), /signature/, token);
  });

  test('HS/RS confusion: an HS256 token using the public key PEM as HMAC secret is refused', async () => {
    const token = signToken(claimsFor({ roles: ['admin'] }), { alg: 'HS256', key: keys.publicPem });
    assertUnauthenticated(await whoami(harness, token), /only RS256/, token);
  });

  test('an unsigned token is refused', async () => {
    assertUnauthenticated(await whoami(harness, signToken(claimsFor(), { alg: 'none' })), /only RS256/);
  });
});

describe('ES256 with a PEM public key (algorithm inferred from the key)', () => {
  const keys = ecKeyPair();
  let harness: TestApp;
  before(async () => {
    harness = await buildTestApp(
      { ...NO_SECRET, SWARMGATE_JWT_PUBLIC_KEY: keys.publicPem },
      { beforeReady: addAuthProbeRoutes },
    );
  });
  after(() => harness.close());

  test('an ES256 token signed by the matching private key is accepted', async () => {
    const token = signToken(claimsFor({ act: { sub: 'deploy-bot', act: { sub: 'ci' } } }), {
      alg: 'ES256',
      key: keys.privateKey,
    });
    const response = await whoami(harness, token);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json<{ actors: string[] }>().actors, ['deploy-bot', 'ci']);
  });

  test('an ES256 token signed by another key is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'ES256', key: ecKeyPair().privateKey });
    assertUnauthenticated(await whoami(harness, token), /signature/, token);
  });

  test('an HS256 token using the public key PEM as HMAC secret is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'HS256', key: keys.publicPem });
    assertUnauthenticated(await whoami(harness, token), /only ES256/, token);
  });
});

describe('RS256 with keys from a JWKS URL', () => {
  const current = rsaKeyPair();
  const retired = rsaKeyPair();
  let jwks: Server;
  let fetches = 0;
  let failing = false;
  let harness: TestApp;

  before(async () => {
    jwks = createServer((request, response) => {
      if (request.url !== '/keys/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      fetches += 1;
      if (failing) {
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"maintenance"}');
        return;
      }
      const jwk = {
        ...current.publicKey.export({ format: 'jwk' }),
        kid: 'key-2024',
        alg: 'RS256',
        use: 'sig',
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    harness = await buildTestApp(
      { ...NO_SECRET, SWARMGATE_JWT_JWKS_URL: `http://127.0.0.1:${port}/keys/jwks.json` },
      { beforeReady: addAuthProbeRoutes },
    );
  });
  after(async () => {
    await harness.close();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  test('an RS256 token whose kid is in the JWKS is accepted, and the key is fetched once', async () => {
    const first = signToken(claimsFor(), { alg: 'RS256', key: current.privateKey, kid: 'key-2024' });
    const second = signToken(claimsFor({ sub: 'bob' }), {
      alg: 'RS256',
      key: current.privateKey,
      kid: 'key-2024',
    });
    const before = fetches;
    assert.equal((await whoami(harness, first)).statusCode, 200);
    const response = await whoami(harness, second);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json<{ sub: string }>().sub, 'bob');
    assert.equal(fetches - before, 1, 'the JWKS key is cached per kid');
  });

  test('a token whose kid is not in the JWKS is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'RS256', key: retired.privateKey, kid: 'key-2019' });
    assertUnauthenticated(await whoami(harness, token), /key id \(kid\) is not in the JWKS/, token);
  });

  test('a token with a known kid but signed by another key is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'RS256', key: retired.privateKey, kid: 'key-2024' });
    assertUnauthenticated(await whoami(harness, token), /signature/, token);
  });

  test('while the JWKS answers errors, a token with a not yet cached kid is refused as unverifiable', async (t) => {
    failing = true;
    t.after(() => {
      failing = false;
    });
    const token = signToken(claimsFor(), { alg: 'RS256', key: current.privateKey, kid: 'key-2025' });
    assertUnauthenticated(await whoami(harness, token), /could not be fetched from the JWKS/, token);
  });

  test('a token without a kid is refused', async () => {
    const token = signToken(claimsFor(), { alg: 'RS256', key: current.privateKey });
    assertUnauthenticated(await whoami(harness, token), /no key id \(kid\)/, token);
  });

  test('HS/RS confusion: an HS256 token using the JWKS key as HMAC secret is refused', async () => {
    const pem = current.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = signToken(claimsFor(), { alg: 'HS256', key: pem, kid: 'key-2024' });
    assertUnauthenticated(await whoami(harness, token), /only RS256/, token);
  });
});
