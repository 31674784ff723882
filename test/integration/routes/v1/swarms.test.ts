// The /v1 swarm registry and reads without Docker: roles, input errors, renames, unregistering, unreachable swarms.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SwarmRecord } from '../../../../src/registry/repository.ts';
import { buildTestApp, type TestApp } from '../../../helper.ts';
import { assertProblem, bearer, claimsFor, signToken } from '../../../helpers/tokens.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

let subject: TestApp;
let counter = 0;

before(async () => {
  subject = await buildTestApp();
});
after(() => subject.close());

/** A token of the given roles in the given tenant (acme by default). */
const as = (roles: string[], tenant = 'acme') => bearer(signToken(claimsFor({ roles, tenant })));

/** Registers a swarm straight in the registry: its only endpoint is a unix socket that does not exist. */
async function unreachableSwarm(tenant = 'acme', name = `dead-${++counter}`): Promise<SwarmRecord> {
  const record = await subject.app.registry.ensureTenant(tenant);
  return subject.app.registry.insertSwarm({
    tenantId: record.id,
    name,
    clusterId: `cluster-${tenant}-${name}`,
    labels: { env: 'test' },
    // As a platform-admin's registration: a tenant's own unix socket would not even be tried.
    endpoints: [{ url: 'unix:///nonexistent', platformGranted: true }],
  });
}

const inject = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: object,
  payload?: object,
) => subject.app.inject({ method, url, headers: { ...headers }, ...(payload ? { payload } : {}) });

describe('GET /v1/me and GET /v1/swarms', () => {
  test('platform-admin from another tenant than SWARMGATE_PLATFORM_TENANT is dropped: the other roles stay', async () => {
    const token = signToken(claimsFor({ sub: 'mallory', roles: ['viewer', 'platform-admin'] }));
    const response = await inject('GET', '/v1/me', bearer(token));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json<{ roles: string[] }>().roles, ['VIEWER']);
    await unreachableSwarm('hooli');
    const everyTenant = await inject('GET', '/v1/swarms?tenant=hooli', bearer(token));
    assert.equal(everyTenant.statusCode, 200, everyTenant.body);
    assert.equal(everyTenant.json<{ totalCount: number }>().totalCount, 0);
  });

  test('GET /v1/me answers the token’s identity with GraphQL’s role names', async () => {
    const token = signToken(
      claimsFor({
        sub: 'ops-bot',
        tenant: 'platform',
        roles: ['operator', 'platform-admin'],
        act: { sub: 'chatops-bot' },
      }),
    );
    const response = await inject('GET', '/v1/me', bearer(token));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      sub: 'ops-bot',
      tenant: 'platform',
      roles: ['OPERATOR', 'PLATFORM_ADMIN'],
      actors: ['chatops-bot'],
    });
  });

  test('a viewer lists the swarms of its tenant only; a platform-admin lists every tenant or one', async () => {
    const mine = await unreachableSwarm('acme');
    const theirs = await unreachableSwarm('initech');
    const viewer = (await inject('GET', '/v1/swarms', as(['viewer']))).json<{
      totalCount: number;
      items: { id: string; tenant: string; endpoints: string[]; labels: unknown }[];
    }>();
    const ids = viewer.items.map((swarm) => swarm.id);
    assert.ok(ids.includes(mine.id));
    assert.ok(!ids.includes(theirs.id));
    assert.equal(viewer.totalCount, viewer.items.length);
    const shown = viewer.items.find((swarm) => swarm.id === mine.id);
    assert.deepEqual(shown?.endpoints, ['unix:///nonexistent']);
    assert.deepEqual(shown?.labels, [{ key: 'env', value: 'test' }]);

    const narrowed = await inject('GET', '/v1/swarms?tenant=initech', as(['viewer']));
    assert.deepEqual(narrowed.json<{ items: unknown[] }>().items, []);

    const platform = await inject('GET', '/v1/swarms?tenant=initech', as(['platform-admin'], 'platform'));
    assert.deepEqual(
      platform.json<{ items: { id: string }[] }>().items.map((swarm) => swarm.id),
      [theirs.id],
    );
    const theirsByPlatform = await inject(
      'GET',
      `/v1/swarms/${theirs.id}`,
      as(['platform-admin'], 'platform'),
    );
    assert.equal(theirsByPlatform.statusCode, 200);
  });
});

describe('POST /v1/swarms', () => {
  const valid = () => ({ name: `new-${++counter}`, endpoints: [{ url: 'unix:///nonexistent' }] });

  test('a viewer or an operator is refused with 403 FORBIDDEN naming the admin role, before any engine is asked', async () => {
    for (const role of ['viewer', 'operator']) {
      assertProblem(await inject('POST', '/v1/swarms', as([role]), valid()), {
        status: 403,
        code: 'FORBIDDEN',
        detail: /the admin role is needed to register a swarm in tenant "acme"/,
      });
    }
  });

  test('an admin may not register into another tenant', async () => {
    assertProblem(await inject('POST', '/v1/swarms', as(['admin']), { ...valid(), tenant: 'initech' }), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /platform-admin role is needed to register a swarm in another tenant/,
    });
  });

  test('bad bodies are 400 BAD_INPUT naming the field and what is wrong', async () => {
    const cases: [object, RegExp][] = [
      [{ endpoints: [{ url: 'unix:///x' }] }, /^body\.name is required$/],
      [{ name: 'x' }, /^body\.endpoints is required$/],
      // fastify's Ajv coerces a lone value into an array, so the string is judged as endpoints[0].
      [{ name: 'x', endpoints: 'unix:///x' }, /^body\.endpoints\[0\] must be an object$/],
      [
        { name: 'x', endpoints: [{ url: 'docker' }] },
        /endpoints\[0\]\.url must be tcp:\/\/HOST:PORT or unix:\/\/\//,
      ],
      [{ name: 'x', endpoints: [{}] }, /^body\.endpoints\[0\]\.url is required$/],
      [
        { name: 'x', endpoints: [{ url: 'tcp://10.0.0.1:2376' }] },
        /endpoints\[0\]\.tls \(ca, cert, key\) is required: tenants reach engines over mutual TLS only/,
      ],
      [
        { name: 'x', endpoints: [{ url: 'tcp://10.0.0.1:2376', tls: { ca: PEM, cert: PEM } }] },
        /body\.endpoints\[0\]\.tls\.key is required/,
      ],
      [{ name: 'x', endpoints: [{ url: 'http://10.0.0.1:2375' }] }, /must start with tcp:\/\/ or unix:\/\//],
      [{ name: 'x', endpoints: [] }, /at least one manager endpoint is required/],
      [{ name: 'bad name!', endpoints: [{ url: 'unix:///x' }] }, /swarm name must be 1-63 letters/],
      [{ ...valid(), lables: [{ key: 'a' }] }, /^body has an unknown property "lables"$/],
      [
        { ...valid(), labels: [{ key: 'a', colour: 'red' }] },
        /body\.labels\[0\] has an unknown property "colour"/,
      ],
    ];
    for (const [body, detail] of cases) {
      const response = await inject('POST', '/v1/swarms', as(['admin']), body);
      assertProblem(response, { status: 400, code: 'BAD_INPUT', detail });
    }
  });

  test('a body that is not JSON is refused with BAD_INPUT', async () => {
    const text = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms',
      headers: { ...as(['admin']), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=x',
    });
    assertProblem(text, { status: 415, code: 'BAD_INPUT' });
    const plain = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms',
      headers: { ...as(['admin']), 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    assertProblem(plain, { status: 400, code: 'BAD_INPUT', detail: /^body must be an object$/ });
    const broken = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms',
      headers: { ...as(['admin']), 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assertProblem(broken, { status: 400, code: 'BAD_INPUT' });
  });

  test('an endpoint that does not answer is 503 SWARM_UNREACHABLE naming it, and nothing is registered', async () => {
    // A unix socket is a platform-admin's endpoint (src/docker/endpoint-policy.ts).
    const body = valid();
    assertProblem(await inject('POST', '/v1/swarms', as(['platform-admin'], 'platform'), body), {
      status: 503,
      code: 'SWARM_UNREACHABLE',
      detail: /^could not connect to the engine at unix:\/\/\/nonexistent: check the address and port/,
    });
    assert.equal(await subject.app.registry.findSwarm('platform', body.name), null);
  });

  test("a tenant admin's unix socket is refused 400 BAD_INPUT before any engine is asked", async () => {
    assertProblem(await inject('POST', '/v1/swarms', as(['admin']), valid()), {
      status: 400,
      code: 'BAD_INPUT',
      detail: /^endpoints\[0\]\.url: unix sockets are for platform-admin only/,
    });
  });
});

describe('PATCH and DELETE /v1/swarms/:swarm', () => {
  let swarm: SwarmRecord;
  beforeEach(async () => {
    swarm = await unreachableSwarm();
  });

  test('a viewer or an operator may neither update nor unregister a swarm of its tenant (403)', async () => {
    for (const role of ['viewer', 'operator']) {
      assertProblem(await inject('PATCH', `/v1/swarms/${swarm.name}`, as([role]), { name: 'x' }), {
        status: 403,
        code: 'FORBIDDEN',
        detail: /admin role is needed to update a swarm registration/,
      });
      assertProblem(await inject('DELETE', `/v1/swarms/${swarm.name}`, as([role])), {
        status: 403,
        code: 'FORBIDDEN',
        detail: /admin role is needed to unregister a swarm/,
      });
    }
    assert.ok(await subject.app.registry.findSwarm('acme', swarm.id));
  });

  test('an admin renames a swarm and replaces its labels; the swarm is then found by its new name', async () => {
    const name = `renamed-${++counter}`;
    const response = await inject('PATCH', `/v1/swarms/${swarm.id}`, as(['admin']), {
      name,
      labels: [{ key: 'tier', value: 'gold' }, { key: 'flag' }],
      reason: 'naming convention',
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<{ id: string; name: string; labels: unknown; updatedAt: string }>();
    assert.equal(body.id, swarm.id);
    assert.equal(body.name, name);
    assert.deepEqual(body.labels, [
      { key: 'flag', value: '' },
      { key: 'tier', value: 'gold' },
    ]);
    assert.ok(body.updatedAt > swarm.updatedAt.toISOString());
    const found = await inject('GET', `/v1/swarms/${name}`, as(['viewer']));
    assert.equal(found.json<{ id: string }>().id, swarm.id);
  });

  test('an empty PATCH is 400 saying what may be changed; a name taken in the tenant is 409 CONFLICT', async () => {
    assertProblem(await inject('PATCH', `/v1/swarms/${swarm.name}`, as(['admin']), {}), {
      status: 400,
      code: 'BAD_INPUT',
      detail: /nothing to change: give name, labels or endpoints/,
    });
    const other = await unreachableSwarm();
    assertProblem(await inject('PATCH', `/v1/swarms/${swarm.name}`, as(['admin']), { name: other.name }), {
      status: 409,
      code: 'CONFLICT',
      detail: new RegExp(`a swarm named "${other.name}" is already registered`),
    });
  });

  test('an admin unregisters a swarm: 200 with its id and name, then it is NOT_FOUND', async () => {
    const response = await inject('DELETE', `/v1/swarms/${swarm.name}?reason=decommissioned`, as(['admin']));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { id: swarm.id, name: swarm.name });
    assertProblem(await inject('GET', `/v1/swarms/${swarm.id}`, as(['admin'])), {
      status: 404,
      code: 'NOT_FOUND',
    });
    assertProblem(await inject('DELETE', `/v1/swarms/${swarm.id}`, as(['admin'])), {
      status: 404,
      code: 'NOT_FOUND',
    });
  });
});

describe('reads of a registered swarm whose engines do not answer', () => {
  let swarm: SwarmRecord;
  before(async () => {
    swarm = await unreachableSwarm();
  });

  test('every read that needs Docker is 503 SWARM_UNREACHABLE naming the swarm and its endpoints', async () => {
    for (const path of [
      'nodes',
      'nodes/alpha-m1',
      'services',
      'services/web',
      'tasks',
      'tasks?service=web',
      'info',
      'quorum',
      'join-tokens',
    ]) {
      const response = await inject('GET', `/v1/swarms/${swarm.name}/${path}`, as(['admin']));
      assertProblem(response, {
        status: 503,
        code: 'SWARM_UNREACHABLE',
        detail: new RegExp(
          `swarm "${swarm.name}" is unreachable: no manager answered \\(unix:///nonexistent`,
        ),
      });
      const details = response.json<{
        details: { swarm: string; endpoints: { url: string; up: boolean }[] };
      }>().details;
      assert.equal(details.swarm, swarm.name);
      assert.deepEqual(
        details.endpoints.map(({ url, up }) => ({ url, up })),
        [{ url: 'unix:///nonexistent', up: false }],
      );
    }
  });

  test('status is not an error: 200 with state UNREACHABLE and what each endpoint said', async () => {
    const response = await inject('GET', `/v1/swarms/${swarm.id}/status`, as(['viewer']));
    assert.equal(response.statusCode, 200, response.body);
    const status = response.json<{
      state: string;
      errorCode: string;
      endpoints: { up: boolean; error: string }[];
    }>();
    assert.equal(status.state, 'UNREACHABLE');
    assert.equal(status.errorCode, 'SWARM_UNREACHABLE');
    assert.equal(status.endpoints[0]?.up, false);
    // The cause in the gateway's words: a missing socket reads as a refused port (no file or port scanning).
    assert.equal(status.endpoints[0]?.error, 'could not connect');
  });

  test('join tokens are refused to a viewer (403) before the engines are asked', async () => {
    const before = subject.app.swarmClients.callCounts().get(swarm.name) ?? 0;
    assertProblem(await inject('GET', `/v1/swarms/${swarm.name}/join-tokens`, as(['viewer'])), {
      status: 403,
      code: 'FORBIDDEN',
      detail: /admin role is needed to read join tokens/,
    });
    assert.equal(subject.app.swarmClients.callCounts().get(swarm.name) ?? 0, before);
  });

  test('each request reads the engines afresh: nothing is memoised across requests', async () => {
    const count = () => subject.app.swarmClients.callCounts().get(swarm.name) ?? 0;
    const start = count();
    await inject('GET', `/v1/swarms/${swarm.name}/nodes`, as(['viewer']));
    await inject('GET', `/v1/swarms/${swarm.name}/nodes`, as(['viewer']));
    assert.equal(count() - start, 2);
  });

  test('filters and page sizes outside the schema are 400 naming the parameter and the allowed values', async () => {
    const cases: [string, RegExp][] = [
      ['nodes?role=manager', /^querystring\.role must be one of MANAGER, WORKER$/],
      ['nodes?availability=drained', /^querystring\.availability must be one of ACTIVE, PAUSE, DRAIN$/],
      ['services?mode=replicated', /^querystring\.mode must be one of REPLICATED, GLOBAL$/],
      ['tasks?first=5000', /^querystring\.first must be <= 1000$/],
      ['tasks?first=ten', /^querystring\.first must be an integer$/],
      ['nodes?rol=MANAGER', /^querystring has an unknown property "rol"$/],
    ];
    for (const [path, detail] of cases) {
      assertProblem(await inject('GET', `/v1/swarms/${swarm.name}/${path}`, as(['viewer'])), {
        status: 400,
        code: 'BAD_INPUT',
        detail,
      });
    }
  });
});
