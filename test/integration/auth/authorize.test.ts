// Role checks through a route of the real gateway (requireAuth + requireRole); the checks as pure functions are in
// test/unit/auth/authorize.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { addAuthProbeRoutes, assertProblem, bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

describe('role checks through a route (requireAuth + requireRole)', () => {
  let harness: TestApp;
  const call = (url: string, roles: string[], tenant = 'acme') =>
    harness.app.inject({ method: 'POST', url, headers: bearer(signToken(claimsFor({ roles, tenant }))) });

  before(async () => {
    harness = await buildTestApp({}, { beforeReady: addAuthProbeRoutes });
  });
  after(() => harness.close());

  test('a viewer is refused an operator action with 403 FORBIDDEN naming the role needed', async () => {
    assertProblem(await call('/v1/test/operator-action', ['viewer']), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /the operator role is needed to scale a service in tenant "acme".*grants viewer/,
    });
  });

  test('a token without roles is refused an operator action', async () => {
    assertProblem(await call('/v1/test/operator-action', []), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /no role/,
    });
  });

  test('operator and admin may perform an operator action', async () => {
    for (const role of ['operator', 'admin']) {
      const response = await call('/v1/test/operator-action', [role]);
      assert.equal(response.statusCode, 200, `${role}: ${response.body}`);
    }
  });

  test('a platform-admin acting in another tenant passes tenant role checks', async () => {
    const response = await call('/v1/test/operator-action', ['platform-admin'], 'platform');
    assert.equal(response.statusCode, 200, response.body);
  });

  test('only a platform-admin may perform a platform action', async () => {
    assertProblem(await call('/v1/test/platform-action', ['admin']), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /platform-admin role is needed to create a tenant/,
    });
    assert.equal((await call('/v1/test/platform-action', ['platform-admin'], 'platform')).statusCode, 200);
    // The role from any other tenant's token is dropped, whatever the token says.
    assertProblem(await call('/v1/test/platform-action', ['platform-admin']), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /platform-admin role is needed/,
    });
  });

  test('without a token the role check is never reached: 401, not 403', async () => {
    const response = await harness.app.inject({ method: 'POST', url: '/v1/test/operator-action' });
    assertProblem(response, { status: 401, code: 'UNAUTHENTICATED' });
  });
});
