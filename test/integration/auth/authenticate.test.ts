import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from '../../helper.ts';
import { rsaKeyPair } from '../../helpers/keys.ts';
import {
  addAuthProbeRoutes,
  assertUnauthenticated,
  bearer,
  claimsFor,
  nowSeconds,
  signToken,
  without,
} from '../../helpers/tokens.ts';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'swarmgate';

describe('HS256 bearer authentication (issuer and audience configured)', () => {
  let harness: TestApp;
  const valid = (overrides: Record<string, unknown> = {}) =>
    claimsFor({ iss: ISSUER, aud: AUDIENCE, ...overrides });
  const whoami = (headers: Record<string, string> = {}) =>
    harness.app.inject({ method: 'GET', url: '/v1/test/whoami', headers });

  before(async () => {
    harness = await buildTestApp(
      { SWARMGATE_JWT_ISSUER: ISSUER, SWARMGATE_JWT_AUDIENCE: AUDIENCE },
      { beforeReady: addAuthProbeRoutes },
    );
  });
  after(() => harness.close());

  test('a valid token yields the principal: sub, tenant, roles, actors from act, tokenId from jti', async () => {
    const token = signToken(
      valid({ roles: ['operator', 'viewer'], act: { sub: 'chatops-bot' }, jti: 'token-1' }),
    );
    const response = await whoami(bearer(token));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      sub: 'alice',
      tenant: 'acme',
      roles: ['operator', 'viewer'],
      actors: ['chatops-bot'],
      tokenId: 'token-1',
    });
  });

  test('a token with an audience array containing ours is accepted', async () => {
    const response = await whoami(bearer(signToken(valid({ aud: ['other-api', AUDIENCE] }))));
    assert.equal(response.statusCode, 200, response.body);
  });

  test('a token presented again is still accepted (verification cache returns the same principal)', async () => {
    const token = signToken(valid({ sub: 'bob' }));
    for (let i = 0; i < 3; i += 1) {
      const response = await whoami(bearer(token));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json<{ sub: string }>().sub, 'bob');
    }
  });

  test('an expired token is refused', async () => {
    const token = signToken(valid({ iat: nowSeconds() - 600, exp: nowSeconds() - 60 }));
    assertUnauthenticated(await whoami(bearer(token)), /expired/, token);
  });

  test('a token whose nbf is in the future is refused', async () => {
    const token = signToken(valid({ nbf: nowSeconds() + 120 }));
    assertUnauthenticated(await whoami(bearer(token)), /not valid yet/, token);
  });

  test('a token without exp is refused', async () => {
    const token = signToken(without(valid(), 'exp'));
    assertUnauthenticated(await whoami(bearer(token)), /no expiry \(exp\)/, token);
  });

  test('a token signed with another secret is refused', async () => {
    const token = signToken(valid(), { key: `${TEST_JWT_SECRET}-but-not-quite` });
    assertUnauthenticated(await whoami(bearer(token)), /signature/, token);
  });

  test('a token whose payload was altered after signing is refused', async () => {
    const [header, , signature] = signToken(valid()).split('.');
    const forgedPayload = Buffer.from(JSON.stringify(valid({ roles: ['admin'] }))).toString('base64url');
    const token = `${header}.${forgedPayload}.${signature}`;
    assertUnauthenticated(await whoami(bearer(token)), /signature/, token);
  });

  test('an unsigned token (alg none) is refused', async () => {
    const token = signToken(valid({ roles: ['admin'] }), { alg: 'none' });
    assertUnauthenticated(await whoami(bearer(token)), /only HS256/);
  });

  test('a token claiming alg none but carrying an HS256 signature is refused', async () => {
    const signed = signToken(valid()).split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const token = `${noneHeader}.${signed[1]}.${signed[2]}`;
    assertUnauthenticated(await whoami(bearer(token)), /only HS256/, token);
  });

  test('an RS256 token is refused by a gateway pinned to HS256', async () => {
    const token = signToken(valid(), { alg: 'RS256', key: rsaKeyPair().privateKey });
    assertUnauthenticated(await whoami(bearer(token)), /only HS256/, token);
  });

  test('a token from another issuer is refused', async () => {
    const token = signToken(valid({ iss: 'https://evil.example.test/' }));
    assertUnauthenticated(
      await whoami(bearer(token)),
      /issuer \(iss\) is not "https:\/\/idp\.example\.test\/"/,
      token,
    );
  });

  test('a token without iss is refused when an issuer is configured', async () => {
    const token = signToken(without(valid(), 'iss'));
    assertUnauthenticated(await whoami(bearer(token)), /no issuer/, token);
  });

  test('a token for another audience is refused', async () => {
    const token = signToken(valid({ aud: 'billing-api' }));
    assertUnauthenticated(
      await whoami(bearer(token)),
      /audience \(aud\) does not include "swarmgate"/,
      token,
    );
  });

  test('a token without aud is refused when an audience is configured', async () => {
    const token = signToken(without(valid(), 'aud'));
    assertUnauthenticated(await whoami(bearer(token)), /no audience/, token);
  });

  test('a token without a tenant claim is refused', async () => {
    const token = signToken(without(valid(), 'tenant'));
    assertUnauthenticated(await whoami(bearer(token)), /claim "tenant" is missing/, token);
  });

  test('a token without sub, or with an empty sub, is refused', async () => {
    assertUnauthenticated(await whoami(bearer(signToken(without(valid(), 'sub')))), /claim "sub" is missing/);
    assertUnauthenticated(
      await whoami(bearer(signToken(valid({ sub: '' })))),
      /claim "sub" must be a non-empty/,
    );
  });

  test('a token with an unknown role or roles that are not an array is refused', async () => {
    assertUnauthenticated(await whoami(bearer(signToken(valid({ roles: ['root'] })))), /"root"/);
    assertUnauthenticated(await whoami(bearer(signToken(valid({ roles: 'admin' })))), /must be an array/);
  });

  test('a malformed act claim is refused', async () => {
    assertUnauthenticated(await whoami(bearer(signToken(valid({ act: 'chatops-bot' })))), /claim "act"/);
    assertUnauthenticated(await whoami(bearer(signToken(valid({ act: { iss: 'x' } })))), /claim "act"/);
  });

  test('a request without a token is refused with a Bearer challenge', async () => {
    const response = await whoami();
    assertUnauthenticated(response, /Authorization: Bearer <JWT>/);
    assert.match(String(response.headers['www-authenticate']), /^Bearer /);
  });

  test('a malformed Authorization header is refused without echoing it', async () => {
    const token = signToken(valid());
    assertUnauthenticated(await whoami({ authorization: `Basic ${token}` }), /must be "Bearer <JWT>"/, token);
    assertUnauthenticated(await whoami({ authorization: token }), /must be "Bearer <JWT>"/, token);
    assertUnauthenticated(await whoami({ authorization: 'Bearer' }), /must be "Bearer <JWT>"/);
    assertUnauthenticated(await whoami({ authorization: 'Bearer not-a-jwt' }), /not a JWT/);
    assertUnauthenticated(await whoami({ authorization: 'Bearer aaa.bbb.ccc' }), /not a well-formed JWT/);
  });

  test('health endpoints need no token', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
  });
});
