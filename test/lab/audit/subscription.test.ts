// auditEventAdded over WebSocket: events written through one gateway instance reach subscribers of another
// through Redis, scoped to the subscriber's tenant (platform-admin: all), and a subscriber needs a valid token.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { NewAuditEvent } from '../../../src/audit/types.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { silentTlsEndpoint } from '../../helpers/engines.ts';
import { GraphqlWsClient, refusedUpgrade, type GraphqlWsProtocol } from '../../helpers/graphql-ws.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

interface ReceivedEvent {
  id: string;
  tenant: string;
  tenantSeq: number;
  operationId: string;
  outcome: string;
  action: string;
  reason: string | null;
  errorCode: string | null;
  actor: { sub: string; source: string };
  target: { swarmName: string | null };
}

const SUBSCRIPTION = `subscription { auditEventAdded {
  id tenant tenantSeq operationId outcome action reason errorCode actor { sub source } target { swarmName }
} }`;
const WAIT_MS = 10_000;
/** How long a subscriber is watched for an event it must not get, after a later event has already arrived. */
const QUIET_MS = 500;

/** Audit events delivered to subscription `id` of `client`. */
const eventsOf = (client: GraphqlWsClient, id: string): ReceivedEvent[] =>
  client.data<{ auditEventAdded: ReceivedEvent }>(id).map((data) => data.auditEventAdded);

/** The first audit event (delivered already or to come) of subscription `id` matching `predicate`. */
async function nextEvent(
  client: GraphqlWsClient,
  id: string,
  predicate: (event: ReceivedEvent) => boolean,
): Promise<ReceivedEvent> {
  const data = await client.nextData<{ auditEventAdded: ReceivedEvent }>(id, (candidate) =>
    predicate(candidate.auditEventAdded),
  );
  return data.auditEventAdded;
}

/** How the server closes a socket whose connection_init carries `payload` (graphql-ws close code and reason). */
async function refusedInit(
  payload?: Record<string, unknown>,
): Promise<{ code: number; reason: string; messages: string[] }> {
  const client = await GraphqlWsClient.open(urlB, { timeoutMs: WAIT_MS });
  client.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
  const closed = await client.closedWithin(WAIT_MS);
  return { ...closed, messages: client.messages.map((message) => JSON.stringify(message)) };
}

// Unique per run: Redis, through which events fan out, is shared with other test files and gateways.
const suffix = randomBytes(3).toString('hex');
const red = `red-${suffix}`;
const blue = `blue-${suffix}`;
const tokens = {
  redAdmin: signToken(claimsFor({ sub: 'alice', tenant: red, roles: ['admin'] })),
  redViewer: signToken(claimsFor({ sub: 'rita', tenant: red, roles: ['viewer'] })),
  blueViewer: signToken(claimsFor({ sub: 'bert', tenant: blue, roles: ['viewer'] })),
  platformAdmin: signToken(claimsFor({ sub: 'root', tenant: 'platform', roles: ['platform-admin'] })),
};

let instanceA: TestApp;
let instanceB: TestApp;
let urlB: string;
const clients: GraphqlWsClient[] = [];

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

async function openClient(protocol: GraphqlWsProtocol, headers: Record<string, string> = {}) {
  const client = await GraphqlWsClient.open(urlB, { protocol, headers, timeoutMs: WAIT_MS });
  clients.push(client);
  assert.equal(client.acceptedProtocol, protocol);
  return client;
}

function warmupEvent(tenant: string): NewAuditEvent {
  return {
    tenant,
    operationId: randomUUID(),
    phase: 'requested',
    action: 'test.warmup',
    actor: { sub: 'test', actors: [], roles: ['admin'], source: 'cli' },
    target: {},
    parameters: {},
  };
}

/**
 * Appends warm-up events of `tenant` through instance A until each subscriber has one: the server subscribes to
 * Redis after the client's subscribe message, with no acknowledgement a client could wait for.
 */
async function untilListening(tenant: string, subscribers: [GraphqlWsClient, string][]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  const warm = ([client, id]: [GraphqlWsClient, string]) =>
    eventsOf(client, id).some((event) => event.tenant === tenant && event.action === 'test.warmup');
  while (!subscribers.every(warm)) {
    assert.ok(Date.now() < deadline, `subscribers of ${tenant} got no event within ${WAIT_MS} ms`);
    await instanceA.app.audit.append(warmupEvent(tenant));
    await Promise.all(
      subscribers.map(([client, id]) =>
        client.waitFor(
          (message) =>
            message.id === id &&
            JSON.stringify(message.payload ?? null).includes(`"tenant":"${tenant}"`) &&
            JSON.stringify(message.payload ?? null).includes('test.warmup'),
          200,
        ),
      ),
    );
  }
}

before(async () => {
  instanceA = await buildTestApp();
  instanceB = await buildTestApp({}, { database: instanceA.db });
  await listen(instanceA.app);
  urlB = `ws://127.0.0.1:${await listen(instanceB.app)}/graphql`;
});

after(async () => {
  for (const client of clients) client.terminate();
  // B shares A's database; A drops it.
  await instanceB?.close();
  await instanceA?.close();
});

test("a mutation through instance A reaches instance B's subscribers of its tenant only; platform-admin sees all", async () => {
  // Token in connection_init (what browsers do) on the current protocol.
  const redByInit = await openClient('graphql-transport-ws');
  await redByInit.init({ authorization: `Bearer ${tokens.redViewer}` });
  redByInit.subscribe('red', SUBSCRIPTION);
  // Token in the upgrade request's Authorization header, on the legacy protocol.
  const redByHeader = await openClient('graphql-ws', bearer(tokens.redViewer));
  await redByHeader.init();
  redByHeader.subscribe('red', SUBSCRIPTION);
  const blueViewer = await openClient('graphql-transport-ws');
  await blueViewer.init({ authorization: `Bearer ${tokens.blueViewer}` });
  blueViewer.subscribe('blue', SUBSCRIPTION);
  const platformAdmin = await openClient('graphql-transport-ws');
  await platformAdmin.init({ headers: { authorization: `Bearer ${tokens.platformAdmin}` } });
  platformAdmin.subscribe('all', SUBSCRIPTION);

  await untilListening(red, [
    [redByInit, 'red'],
    [redByHeader, 'red'],
    [platformAdmin, 'all'],
  ]);
  await untilListening(blue, [[blueViewer, 'blue']]);

  // A swarm whose only endpoint cannot be reached: updating its endpoints is audited as requested, then failed.
  const tenant = await instanceA.app.registry.ensureTenant(red);
  const swarm = await instanceA.app.registry.insertSwarm({
    tenantId: tenant.id,
    name: `gone-${suffix}`,
    clusterId: `cluster-${suffix}`,
    labels: {},
    endpoints: [{ url: 'unix:///nonexistent/docker.sock' }],
  });
  const response = await instanceA.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(tokens.redAdmin),
    payload: {
      query: `mutation ($input: UpdateSwarmInput!) { updateSwarm(input: $input) { swarm { id } } }`,
      variables: {
        input: {
          swarm: swarm.name,
          // One a tenant may give (tcp:// with mutual TLS), where nothing answers.
          endpoints: [silentTlsEndpoint()],
          reason: 'move to the new manager',
        },
      },
    },
  });
  const answer = response.json<{ errors?: { extensions: { code: string } }[] }>();
  assert.ok(answer.errors?.[0], `the update fails: ${response.body}`);
  const failedCode = answer.errors[0].extensions.code;

  const isUpdate = (event: ReceivedEvent) => event.action === 'swarm.update' && event.tenant === red;
  for (const [client, id] of [
    [redByInit, 'red'],
    [redByHeader, 'red'],
    [platformAdmin, 'all'],
  ] as const) {
    const requested = await nextEvent(
      client,
      id,
      (event) => isUpdate(event) && event.outcome === 'REQUESTED',
    );
    const outcome = await nextEvent(
      client,
      id,
      (event) =>
        isUpdate(event) && event.operationId === requested.operationId && event.outcome !== 'REQUESTED',
    );
    assert.equal(requested.reason, 'move to the new manager');
    assert.deepEqual(requested.actor, { sub: 'alice', source: 'graphql' });
    assert.equal(requested.target.swarmName, swarm.name);
    assert.equal(outcome.outcome, 'FAILED');
    assert.equal(outcome.errorCode, failedCode);
    assert.equal(outcome.tenantSeq, requested.tenantSeq + 1);
  }

  // Published after red's events: once blue's subscriber has it, red's would have arrived too.
  const blueEvent = await instanceA.app.audit.append({ ...warmupEvent(blue), action: 'node.drain' });
  await nextEvent(blueViewer, 'blue', (event) => event.id === blueEvent.id);
  await nextEvent(platformAdmin, 'all', (event) => event.id === blueEvent.id);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  assert.deepEqual(
    eventsOf(blueViewer, 'blue').filter((event) => event.tenant !== blue),
    [],
    "blue's subscriber received another tenant's events",
  );
  for (const [client, id] of [
    [redByInit, 'red'],
    [redByHeader, 'red'],
  ] as const) {
    assert.deepEqual(
      eventsOf(client, id).filter((event) => event.tenant !== red),
      [],
      "red's subscriber received another tenant's events",
    );
  }
});

test('a connection_init without a token is refused at once: closed with 4401 and the guidance', async () => {
  const refused = await refusedInit();
  assert.equal(refused.code, 4401, JSON.stringify(refused));
  assert.match(refused.reason, /^Unauthorized: .*"authorization": "Bearer <JWT>"/);
  assert.deepEqual(refused.messages, [], 'nothing acknowledged');
});

test('a connection_init with a bad token is refused at once without echoing the token', async () => {
  const forged = signToken(claimsFor({ sub: 'mallory', tenant: red, roles: ['platform-admin'] }), {
    key: 'not-the-gateway-secret-not-the-gateway-secret',
  });
  const refused = await refusedInit({ authorization: `Bearer ${forged}` });
  assert.equal(refused.code, 4401, JSON.stringify(refused));
  assert.match(refused.reason, /^Unauthorized: .*signature/);
  for (const part of forged.split('.')) assert.ok(!JSON.stringify(refused).includes(part), 'token echoed');
  assert.deepEqual(refused.messages, [], 'nothing acknowledged');
});

test('a bad token in the upgrade request is refused with 401 before any WebSocket is opened', async () => {
  const expired = signToken(
    claimsFor({ tenant: red, roles: ['viewer'], exp: Math.floor(Date.now() / 1000) - 60 }),
  );
  const answer = await refusedUpgrade(urlB, bearer(expired));
  assert.equal(answer.status, 401, answer.body);
  const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
  assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED');
  assert.match(body.errors[0]?.message ?? '', /expired/);
  for (const part of expired.split('.')) assert.ok(!answer.body.includes(part), 'token echoed');
});
