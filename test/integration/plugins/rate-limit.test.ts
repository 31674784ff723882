// Rate limits and quotas (issue 11): budgets per principal, per address and for mutations, counted in the real
// Redis and shared by gateways, and the per-tenant cap on requests in progress.
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { startOwnRedis } from '../../helpers/redis.ts';
import { assertProblem, bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const tokenOf = (sub: string, tenant = 'acme', roles = ['viewer']) =>
  signToken(claimsFor({ sub, tenant, roles }));

const restMe = (app: FastifyInstance, token: string, remoteAddress?: string) =>
  app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: bearer(token),
    ...(remoteAddress ? { remoteAddress } : {}),
  });

const graphql = (app: FastifyInstance, token: string, query: string) =>
  app.inject({ method: 'POST', url: '/graphql', headers: bearer(token), payload: { query } });

const graphqlMe = (app: FastifyInstance, token: string) => graphql(app, token, '{ me { sub tenant } }');

function assertRateLimited(response: LightMyRequestResponse, detail: RegExp): void {
  assertProblem(response, { status: 429, code: 'RATE_LIMITED', detail });
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(
    Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
    `Retry-After: ${retryAfter}`,
  );
  const body = response.json<{ type: string; title: string; detail: string }>();
  assert.equal(body.type, 'urn:swarmgate:error:RATE_LIMITED');
  assert.match(body.detail, /retry in \d+ s/);
}

function assertGraphqlRateLimited(response: LightMyRequestResponse, detail: RegExp): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.ok(Number(response.headers['retry-after']) >= 1);
  const body = response.json<{ data: null; errors: { message: string; extensions: { code: string } }[] }>();
  assert.equal(body.data, null);
  assert.equal(body.errors[0]?.extensions.code, 'RATE_LIMITED');
  assert.match(body.errors[0]?.message ?? '', detail);
}

async function rateLimitedCount(app: FastifyInstance, budget: string): Promise<number> {
  const response = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const line = new RegExp(`^swarmgate_rate_limited_total\\{budget="${budget}"\\} (\\d+)$`, 'm').exec(
    response.body,
  );
  assert.ok(line, `no swarmgate_rate_limited_total for ${budget}`);
  return Number(line[1]);
}

test('a principal has one budget for REST and GraphQL; others keep theirs; refusals say why and when', async (t) => {
  const subject = await buildTestApp({
    SWARMGATE_RATE_LIMIT_REQUESTS: '5',
    SWARMGATE_METRICS_TOKEN: METRICS_TOKEN,
  });
  t.after(() => subject.close());
  const { app } = subject;
  const alice = tokenOf('alice');
  for (let i = 0; i < 3; i += 1) assert.equal((await restMe(app, alice)).statusCode, 200);
  for (let i = 0; i < 2; i += 1) assert.equal((await graphqlMe(app, alice)).statusCode, 200);

  const refused = await restMe(app, alice);
  assertRateLimited(refused, /budget of 5 requests per 60 s/);
  assert.equal(refused.json<{ details: { budget: string } }>().details.budget, 'requests');
  assertGraphqlRateLimited(await graphqlMe(app, alice), /budget of 5 requests per 60 s/);
  // GET /graphql too (kept answers or not, every request counts).
  assert.equal(
    (
      await app.inject({
        method: 'GET',
        url: `/graphql?query=${encodeURIComponent('{ me { sub } }')}`,
        headers: bearer(alice),
      })
    ).statusCode,
    429,
  );

  // Another subject of the same tenant, and the same subject in another tenant, have budgets of their own.
  assert.equal((await restMe(app, tokenOf('bob'))).statusCode, 200);
  assert.equal((await graphqlMe(app, tokenOf('alice', 'globex'))).statusCode, 200);
  // Not limited: health and metrics.
  for (let i = 0; i < 8; i += 1) assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  assert.equal(await rateLimitedCount(app, 'requests'), 3);
  assert.equal(await rateLimitedCount(app, 'mutations'), 0);
});

test('two gateways on the same Redis and prefix share the counts', async (t) => {
  const overrides = { SWARMGATE_RATE_LIMIT_REQUESTS: '4' };
  const gateways: TestApp[] = [];
  // The second leaves the database to the first, which drops it: closed in that order.
  t.after(async () => {
    for (const gateway of gateways.reverse()) await gateway.close();
  });
  const first = await buildTestApp(overrides);
  gateways.push(first);
  const second = await buildTestApp(overrides, { database: first.db });
  gateways.push(second);
  const carol = tokenOf('carol');
  assert.equal((await restMe(first.app, carol)).statusCode, 200);
  assert.equal((await graphqlMe(second.app, carol)).statusCode, 200);
  assert.equal((await restMe(second.app, carol)).statusCode, 200);
  assert.equal((await restMe(first.app, carol)).statusCode, 200);
  assertRateLimited(await restMe(second.app, carol), /budget of 4 requests per 60 s/);
  assertRateLimited(await restMe(first.app, carol), /budget of 4 requests per 60 s/);
});

test('well below its budget a request does not wait for its count; gateways together overrun it by little', async (t) => {
  const overrides = { SWARMGATE_RATE_LIMIT_REQUESTS: '100' };
  const gateways: TestApp[] = [];
  t.after(async () => {
    for (const gateway of gateways.reverse()) await gateway.close();
  });
  const first = await buildTestApp(overrides);
  gateways.push(first);
  const second = await buildTestApp(overrides, { database: first.db });
  gateways.push(second);
  const ivan = tokenOf('ivan');
  const statuses: number[] = [];
  // Both gateways at once, several requests in flight each.
  for (let round = 0; round < 20; round += 1) {
    const batch = await Promise.all(
      [first.app, second.app].flatMap((app) => [
        restMe(app, ivan),
        restMe(app, ivan),
        restMe(app, ivan),
        restMe(app, ivan),
      ]),
    );
    statuses.push(...batch.map((response) => response.statusCode));
  }
  // In-process requests never wait for I/O, so here a gateway learns of the other's counts only when it waits for
  // one of its own: the worst case, an overrun by the counts the other has not added yet (at most 16 for 100).
  const served = statuses.filter((status) => status === 200).length;
  assert.ok(served >= 100 && served <= 116, `${served} served`);
  assert.equal(statuses.filter((status) => status === 429).length, 160 - served);
  // Served one by one afterwards, every request is refused: the counts have caught up.
  for (const app of [first.app, second.app]) assert.equal((await restMe(app, ivan)).statusCode, 429);
});

test('mutations have a smaller budget, shared by REST and GraphQL; queries do not spend it', async (t) => {
  const subject = await buildTestApp({
    SWARMGATE_RATE_LIMIT_REQUESTS: '100',
    SWARMGATE_RATE_LIMIT_MUTATIONS: '2',
    SWARMGATE_METRICS_TOKEN: METRICS_TOKEN,
  });
  t.after(() => subject.close());
  const { app } = subject;
  const admin = tokenOf('dave', 'acme', ['admin']);
  const mutation = 'mutation { unregisterSwarm(input: { swarm: "nope" }) { id } }';
  const restMutation = () => app.inject({ method: 'DELETE', url: '/v1/swarms/nope', headers: bearer(admin) });

  // Refused for their own reasons (no such swarm), but spent from the budget all the same.
  const first = await restMutation();
  assert.equal(first.statusCode, 404, first.body);
  for (let i = 0; i < 3; i += 1) assert.equal((await graphqlMe(app, admin)).statusCode, 200);
  const second = await graphql(app, admin, mutation);
  assert.equal(
    second.json<{ errors: { extensions: { code: string } }[] }>().errors[0]?.extensions.code,
    'NOT_FOUND',
  );

  assertGraphqlRateLimited(await graphql(app, admin, mutation), /budget of 2 mutations per 60 s/);
  assertRateLimited(await restMutation(), /budget of 2 mutations per 60 s/);
  // Reads go on.
  assert.equal((await restMe(app, admin)).statusCode, 200);
  assert.equal((await graphqlMe(app, admin)).statusCode, 200);
  // A document with a query and a mutation: the operation named is what counts.
  const both = `query Who { me { sub } } ${mutation.replace('mutation', 'mutation Drop')}`;
  const named = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(admin),
    payload: { query: both, operationName: 'Who' },
  });
  assert.equal(named.statusCode, 200, named.body);
  assert.equal(await rateLimitedCount(app, 'mutations'), 2);
});

test('a flood of bad tokens from one address is refused after the anonymous budget, without checking them', async (t) => {
  const subject = await buildTestApp({
    SWARMGATE_RATE_LIMIT_ANONYMOUS: '5',
    SWARMGATE_METRICS_TOKEN: METRICS_TOKEN,
  });
  t.after(() => subject.close());
  const { app } = subject;
  const attacker = '198.51.100.7';
  const valid = tokenOf('erin');
  // A token verified before the flood keeps working from that address.
  assert.equal((await restMe(app, valid, attacker)).statusCode, 200);
  const forged = (i: number) => signToken(claimsFor({ sub: `mallory-${i}` }), { key: 'not-the-secret' });
  for (let i = 0; i < 4; i += 1) assert.equal((await restMe(app, forged(i), attacker)).statusCode, 401);
  // No token at all spends the same budget.
  assert.equal((await app.inject({ url: '/v1/me', remoteAddress: attacker })).statusCode, 401);
  assertRateLimited(
    await restMe(app, forged(4), attacker),
    /this address has used its budget of 5 requests per 60 s/,
  );

  // Once refused, the address's tokens are refused before their signature is checked.
  const authenticate = app.authenticate.bind(app);
  let verified = 0;
  app.authenticate = (request) => {
    verified += 1;
    return authenticate(request);
  };
  t.after(() => {
    app.authenticate = authenticate;
  });
  for (let i = 5; i < 20; i += 1) {
    assertRateLimited(
      await restMe(app, forged(i), attacker),
      /this address has used its budget of 5 requests per 60 s/,
    );
  }
  const overGraphql = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(forged(99)),
    payload: { query: '{ me { sub } }' },
    remoteAddress: attacker,
  });
  assertGraphqlRateLimited(overGraphql, /this address/);
  assert.equal(verified, 0);
  assert.equal((await restMe(app, valid, attacker)).statusCode, 200);
  // Another address has its own budget.
  assert.equal((await restMe(app, forged(100), '203.0.113.9')).statusCode, 401);
  assert.ok((await rateLimitedCount(app, 'anonymous')) >= 17);
});

test('a tenant may have only so many requests in progress; errors and cut sockets give their place back', async (t) => {
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let entered = 0;
  const subject = await buildTestApp(
    { SWARMGATE_TENANT_MAX_CONCURRENT: '2', SWARMGATE_METRICS_TOKEN: METRICS_TOKEN },
    {
      beforeReady: (app) => {
        app.get('/v1/test/slow', async () => {
          entered += 1;
          await gate;
          return { done: true };
        });
        app.get('/v1/test/fail', () => {
          throw new Error('boom');
        });
      },
    },
  );
  t.after(() => subject.close());
  const { app } = subject;
  const frank = tokenOf('frank');
  const slow = () => app.inject({ method: 'GET', url: '/v1/test/slow', headers: bearer(frank) });
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 5000;
    while (entered < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(entered, count);
  };

  const held = [slow(), slow()];
  await waitFor(2);
  const refused = await restMe(app, tokenOf('grace'));
  assertRateLimited(refused, /this tenant already has 2 requests in progress/);
  assert.equal(refused.json<{ details: { budget: string } }>().details.budget, 'concurrency');
  // Another tenant is not held up.
  assert.equal((await restMe(app, tokenOf('grace', 'globex'))).statusCode, 200);
  release();
  for (const response of await Promise.all(held)) assert.equal(response.statusCode, 200);

  // Failing requests give their place back.
  for (let i = 0; i < 5; i += 1) {
    assert.equal((await app.inject({ url: '/v1/test/fail', headers: bearer(frank) })).statusCode, 500);
  }

  // Sockets cut while their requests are in progress give theirs back too.
  gate = new Promise<void>((resolve) => (release = resolve));
  entered = 0;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const open: ClientRequest[] = [];
  for (let i = 0; i < 2; i += 1) {
    const request = httpRequest({ port, host: '127.0.0.1', path: '/v1/test/slow', headers: bearer(frank) });
    request.on('error', () => undefined);
    request.end();
    open.push(request);
  }
  await waitFor(2);
  assertRateLimited(await restMe(app, frank), /2 requests in progress/);
  for (const request of open) request.destroy();
  const deadline = Date.now() + 5000;
  let after = await restMe(app, frank);
  while (after.statusCode === 429 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = await restMe(app, frank);
  }
  assert.equal(after.statusCode, 200, 'the cut requests still hold their places');
  // Both places are free while the cut requests' handlers are still waiting.
  const again = [slow(), slow()];
  await waitFor(4);
  release();
  for (const response of await Promise.all(again)) assert.equal(response.statusCode, 200);
  assert.ok((await rateLimitedCount(app, 'concurrency')) >= 2);
});

test('Redis away: the budgets fail open, reads go on', async (t) => {
  const redis = await startOwnRedis();
  t.after(() => redis.kill());
  const subject = await buildTestApp({
    REDIS_URL: redis.url,
    SWARMGATE_WORKER: 'off',
    SWARMGATE_RATE_LIMIT_REQUESTS: '3',
  });
  t.after(() => subject.close());
  const judy = tokenOf('judy');
  for (let i = 0; i < 3; i += 1) assert.equal((await restMe(subject.app, judy)).statusCode, 200);
  assertRateLimited(await restMe(subject.app, tokenOf('judy')), /budget of 3 requests/);
  redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 300));
  // A principal not yet refused is served without being counted.
  for (let i = 0; i < 5; i += 1)
    assert.equal((await restMe(subject.app, tokenOf('mallory'))).statusCode, 200);
});

test('SWARMGATE_RATE_LIMIT=off: no budget, no cap', async (t) => {
  const subject = await buildTestApp({ SWARMGATE_RATE_LIMIT: 'off', SWARMGATE_RATE_LIMIT_REQUESTS: '1' });
  t.after(() => subject.close());
  for (let i = 0; i < 5; i += 1) assert.equal((await restMe(subject.app, tokenOf('heidi'))).statusCode, 200);
});
