// The engine endpoint policy at every door that takes an endpoint (registerSwarm, updateSwarm, initSwarm, joinNode,
// leaveSwarm; GraphQL and REST): tenants give tcp:// with mutual TLS to a routable address inside
// SWARMGATE_ENGINE_NETWORKS (the lab bridge here); unix sockets, plain tcp, loopback, link-local, unspecified,
// multicast and broadcast addresses (IPv4-mapped forms too, and names resolving to them) are platform-admin's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createDockerClient } from '../../../src/docker/endpoint.ts';
import { createEndpointPolicy } from '../../../src/docker/endpoint-policy.ts';
import { engineFailureCause } from '../../../src/docker/errors.ts';
import type { Principal } from '../../../src/auth/principal.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';

const LAB_NETWORK = '192.168.77.0/24';
/** An address in the lab bridge where nothing listens. */
const SILENT = 'tcp://192.168.77.250:2376';

let subject: TestApp;
let inventory: Inventory;
let tls: { ca: string; cert: string; key: string };
const acmeAdmin = tokenFor('acme', ['admin']);
const platformAdmin = tokenFor('platform', ['platform-admin']);

before(async () => {
  inventory = await requireLab();
  const m1 = labEngine(inventory, 'alpha-m1');
  tls = {
    ca: readFileSync(m1.ca, 'utf8'),
    cert: readFileSync(m1.cert, 'utf8'),
    key: readFileSync(m1.key, 'utf8'),
  };
  subject = await buildTestApp({ SWARMGATE_ENGINE_NETWORKS: LAB_NETWORK });
  // A registered swarm for the doors that act on one (update, join, leave): its endpoint never answers, and no
  // refusal below needs it to.
  const tenant = await subject.app.registry.ensureTenant('acme');
  await subject.app.registry.insertSwarm({
    tenantId: tenant.id,
    name: 'target',
    clusterId: 'cluster-of-target',
    labels: {},
    endpoints: [{ url: SILENT, tls }],
  });
});
after(() => subject?.close());

/** Endpoint inputs no tenant may give, each with what the refusal must say. */
const refusedForTenants = (): [string, { url: string; tls?: typeof tls }, RegExp][] => [
  ['unix socket', { url: 'unix:///var/run/docker.sock' }, /unix sockets are for platform-admin only/],
  [
    'unix socket of a lab engine',
    { url: `unix://${labEngine(inventory, 'alpha-m1').socket}` },
    /platform-admin/,
  ],
  ['plain tcp', { url: 'tcp://192.168.77.11:2375' }, /tls \(ca, cert, key\) is required/],
  ['loopback', { url: 'tcp://127.0.0.1:2376', tls }, /loopback/],
  ['loopback range', { url: 'tcp://127.8.9.10:2376', tls }, /loopback/],
  ['link-local (cloud metadata)', { url: 'tcp://169.254.169.254:2376', tls }, /link-local/],
  ['unspecified', { url: 'tcp://0.0.0.0:2376', tls }, /unspecified/],
  ['multicast', { url: 'tcp://224.0.0.1:2376', tls }, /multicast/],
  ['broadcast', { url: 'tcp://255.255.255.255:2376', tls }, /broadcast/],
  ['IPv6 loopback', { url: 'tcp://[::1]:2376', tls }, /loopback/],
  ['IPv6 unspecified', { url: 'tcp://[::]:2376', tls }, /unspecified/],
  ['IPv6 link-local', { url: 'tcp://[fe80::1]:2376', tls }, /link-local/],
  ['IPv6 multicast', { url: 'tcp://[ff02::1]:2376', tls }, /multicast/],
  ['IPv4-mapped loopback', { url: 'tcp://[::ffff:127.0.0.1]:2376', tls }, /loopback/],
  ['IPv4-mapped link-local', { url: 'tcp://[::ffff:a9fe:a9fe]:2376', tls }, /link-local/],
  ['IPv4-compatible loopback', { url: 'tcp://[::127.0.0.1]:2376', tls }, /IPv4-compatible|loopback/],
  ['a name resolving to loopback', { url: 'tcp://localhost:2376', tls }, /localhost resolves to .*loopback/],
  [
    'a number resolving to loopback',
    { url: 'tcp://2130706433:2376', tls },
    /resolves to 127\.0\.0\.1.*loopback/,
  ],
  [
    'outside SWARMGATE_ENGINE_NETWORKS',
    { url: 'tcp://10.20.30.40:2376', tls },
    /outside the networks.*192\.168\.77\.0\/24/,
  ],
  ['a path after the port', { url: 'tcp://192.168.77.11:2376/x', tls }, /nothing after the port/],
];

const REGISTER = `mutation ($input: RegisterSwarmInput!) { registerSwarm(input: $input) { swarm { id } } }`;
const UPDATE = `mutation ($input: UpdateSwarmInput!) { updateSwarm(input: $input) { swarm { id } } }`;
const INIT = `mutation ($input: InitSwarmInput!) { initSwarm(input: $input) { id } }`;
const JOIN = `mutation ($input: JoinNodeInput!) { joinNode(input: $input) { id } }`;
const LEAVE = `mutation ($input: LeaveSwarmInput!) { leaveSwarm(input: $input) { id } }`;

type Endpoint = { url: string; tls?: typeof tls };

/** Each door: its GraphQL call and its REST call with one endpoint, and the field name the refusal names. */
const doors: {
  name: string;
  field: string;
  graphql: (endpoint: Endpoint) => [string, Record<string, unknown>];
  rest: (endpoint: Endpoint) => { method: 'POST' | 'PATCH'; url: string; payload: object };
}[] = [
  {
    name: 'registerSwarm',
    field: 'endpoints[0]',
    graphql: (endpoint) => [REGISTER, { input: { name: 'new', endpoints: [endpoint] } }],
    rest: (endpoint) => ({
      method: 'POST',
      url: '/v1/swarms',
      payload: { name: 'new', endpoints: [endpoint] },
    }),
  },
  {
    name: 'updateSwarm',
    field: 'endpoints[0]',
    graphql: (endpoint) => [UPDATE, { input: { swarm: 'target', endpoints: [endpoint] } }],
    rest: (endpoint) => ({ method: 'PATCH', url: '/v1/swarms/target', payload: { endpoints: [endpoint] } }),
  },
  {
    name: 'initSwarm',
    field: 'endpoint',
    graphql: (endpoint) => [INIT, { input: { name: 'fresh', endpoint } }],
    rest: (endpoint) => ({ method: 'POST', url: '/v1/swarms/init', payload: { name: 'fresh', endpoint } }),
  },
  {
    name: 'joinNode',
    field: 'endpoint',
    graphql: (endpoint) => [JOIN, { input: { swarm: 'target', endpoint } }],
    rest: (endpoint) => ({ method: 'POST', url: '/v1/swarms/target/nodes', payload: { endpoint } }),
  },
  {
    name: 'leaveSwarm',
    field: 'endpoint',
    graphql: (endpoint) => [LEAVE, { input: { swarm: 'target', node: 'some-node', endpoint, force: true } }],
    rest: (endpoint) => ({
      method: 'POST',
      url: '/v1/swarms/target/nodes/some-node/leave',
      payload: { endpoint, force: true },
    }),
  },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a tenant admin is refused every endpoint class the policy reserves, at every door', () => {
  for (const door of doors) {
    test(`${door.name}: GraphQL and REST`, async () => {
      for (const [what, endpoint, rule] of refusedForTenants()) {
        const [query, variables] = door.graphql(endpoint);
        const answer = await gql(subject.app, acmeAdmin, query, variables);
        const error = answer.errors?.[0];
        assert.equal(
          error?.extensions.code,
          'BAD_INPUT',
          `${door.name} GraphQL, ${what}: ${JSON.stringify(answer)}`,
        );
        assert.match(
          error.message,
          new RegExp(`^${escape(door.field)}\\.(url|tls)`),
          `${what}: ${error.message}`,
        );
        assert.match(error.message, rule, `${door.name} GraphQL, ${what}`);

        const request = door.rest(endpoint);
        const response = await subject.app.inject({ ...request, headers: bearer(acmeAdmin) });
        assert.equal(response.statusCode, 400, `${door.name} REST, ${what}: ${response.body}`);
        const problem = response.json<{ code: string; detail: string }>();
        assert.equal(problem.code, 'BAD_INPUT');
        assert.match(problem.detail, rule, `${door.name} REST, ${what}`);
      }
    });
  }

  test('nothing was registered, queued or changed: the refusals are audited, and that is all', async () => {
    const db = new pg.Client({ connectionString: subject.db.url });
    await db.connect();
    try {
      const swarms = await db.query<{ name: string }>('SELECT name FROM swarms ORDER BY name');
      assert.deepEqual(
        swarms.rows.map((row) => row.name),
        ['target'],
      );
      const jobs = await db.query('SELECT id FROM jobs');
      assert.equal(jobs.rowCount, 0);
      const outcomes = await db.query<{ phase: string; error_code: string | null }>(
        "SELECT phase, error_code FROM audit_events WHERE phase <> 'requested'",
      );
      assert.ok(outcomes.rowCount! > 0);
      for (const row of outcomes.rows)
        assert.deepEqual([row.phase, row.error_code], ['refused', 'BAD_INPUT']);
    } finally {
      await db.end();
    }
  });
});

describe('what tenants and platform-admins may register', () => {
  test('a tenant admin registers a lab swarm over mutual TLS in the allowed network; its address is pinned', async () => {
    const m1 = labEngine(inventory, 'beta-m1');
    const answer = await gql<{ registerSwarm: { swarm: { id: string } } }>(subject.app, acmeAdmin, REGISTER, {
      input: { name: 'beta-acme', endpoints: [{ url: m1.tlsEndpoint, tls }] },
    });
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const swarmId = answer.data!.registerSwarm.swarm.id;
    const [endpoint] = await subject.app.registry.endpointsOf(swarmId);
    assert.equal(endpoint?.address, m1.address);
    const record = await subject.app.registry.findSwarmNow(null, swarmId);
    assert.ok(
      record?.managerNodeIds && record.managerNodeIds.length > 0,
      'the managers it reported are recorded',
    );
    // Unregistered again: beta is another test's to register below.
    assert.ok(await subject.app.registry.deleteSwarm(swarmId));
  });

  test('a platform-admin may give a unix socket, into another tenant with `tenant`', async () => {
    const socket = `unix://${labEngine(inventory, 'beta-m1').socket}`;
    const answer = await gql<{ registerSwarm: { swarm: { id: string } } }>(
      subject.app,
      platformAdmin,
      REGISTER,
      {
        input: { name: 'beta-by-platform', tenant: 'acme', endpoints: [{ url: socket }] },
      },
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const record = await subject.app.registry.findSwarmNow('acme', 'beta-by-platform');
    assert.equal(record?.endpointUrls[0], socket);
    assert.ok(await subject.app.registry.deleteSwarm(record.id));
  });

  test('platform-admin from a tenant other than the platform tenant is no platform-admin here', async () => {
    const mallory = tokenFor('acme', ['admin', 'platform-admin']);
    const answer = await gql(subject.app, mallory, REGISTER, {
      input: { name: 'sneaky', endpoints: [{ url: `unix://${labEngine(inventory, 'beta-m1').socket}` }] },
    });
    assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(answer));
    assert.match(answer.errors[0].message, /unix sockets are for platform-admin only/);
  });
});

describe('the policy itself: the checked address is the one connected to', () => {
  const tenantAdmin: Principal = { sub: 'a', tenant: 'acme', roles: ['admin'], actors: [] };

  test('a name resolving into the network is pinned to that address, and the certificate still checked by name', async () => {
    const m1 = labEngine(inventory, 'alpha-m1');
    const policy = createEndpointPolicy({
      networks: [LAB_NETWORK],
      resolve: () => Promise.resolve([m1.address]),
    });
    const checked = await policy.check({ url: 'tcp://engine.example.test:2376', tls }, tenantAdmin);
    assert.equal(checked.address, m1.address);
    assert.equal(checked.url, 'tcp://engine.example.test:2376');
    // The gateway connects to the pinned address (the name resolves nowhere), and the engine's certificate, issued
    // for its IP, does not name engine.example.test: a TLS refusal proves both.
    const error = await createDockerClient(checked, 5000)
      .info()
      .then(
        () => null,
        (failure: unknown) => failure,
      );
    assert.ok(error, 'the certificate check by name must fail');
    assert.equal(engineFailureCause(error), 'tls');
    // The same engine by its IP, pinned: it answers.
    const byIp = await policy.check({ url: m1.tlsEndpoint, tls }, tenantAdmin);
    const info = (await createDockerClient(byIp, 5000).info()) as { Swarm: { NodeID: string } };
    assert.ok(info.Swarm.NodeID);
  });
});
