import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

let subject: TestApp;
before(async () => {
  subject = await buildTestApp();
});
after(async () => {
  await subject?.close();
});

test('GET /healthz answers without a token', async () => {
  const response = await subject.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ok' });
});

test('GET /readyz is 200 when PostgreSQL and Redis answer', async () => {
  const response = await subject.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json<{ status: string }>().status, 'ready');
});

test('GET /readyz is 503 naming Redis when Redis does not answer', async () => {
  // Port 1 on loopback: nothing listens, so the connection is refused at once.
  const noRedis = await buildTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
  try {
    const response = await noRedis.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    const body = response.json<{ failing: string[]; status: string }>();
    assert.deepEqual(body.failing, ['redis']);
    assert.match(body.status, /redis/);
  } finally {
    await noRedis.close();
  }
});

test('GraphQL answers the version query with a token, and 401 UNAUTHENTICATED without one', async () => {
  const anonymous = await subject.app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query: '{ version }' },
  });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(
    anonymous.json<{ errors: { extensions: { code: string } }[] }>().errors[0]?.extensions.code,
    'UNAUTHENTICATED',
  );
  const response = await subject.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(signToken(claimsFor())),
    payload: { query: '{ version }' },
  });
  assert.equal(response.statusCode, 200);
  assert.match(response.json<{ data: { version: string } }>().data.version, /^\d+\.\d+\.\d+/);
});
