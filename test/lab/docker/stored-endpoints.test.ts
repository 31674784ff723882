// Endpoints stored before the endpoint policy existed: a tenant's registration of another engine's unix socket (or
// of a loopback address) from before the upgrade is never connected to; the same socket given by a platform-admin is.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';

let subject: TestApp;
let inventory: Inventory;
const acmeViewer = tokenFor('acme', ['viewer']);
const platformAdmin = tokenFor('platform', ['platform-admin']);

const NODES = `query ($swarm: String!) { swarm(id: $swarm) { nodes { items { id } } } }`;
const REGISTER = `mutation ($input: RegisterSwarmInput!) { registerSwarm(input: $input) { swarm { id } } }`;

before(async () => {
  inventory = await requireLab();
  subject = await buildTestApp({ SWARMGATE_CACHE: 'off' });
});
after(() => subject?.close());

test("a tenant's unix socket stored before the policy is never connected to, and says why", async () => {
  const socket = `unix://${labEngine(inventory, 'beta-m1').socket}`;
  const tenant = await subject.app.registry.ensureTenant('acme');
  // As a row written before migration 005: no platform grant.
  await subject.app.registry.insertSwarm({
    tenantId: tenant.id,
    name: 'old-beta',
    clusterId: 'cluster-old-beta',
    labels: {},
    endpoints: [{ url: socket }],
  });
  const calls = () => subject.app.swarmClients.callCounts().get('old-beta') ?? 0;

  const answer = await gql(subject.app, acmeViewer, NODES, { swarm: 'old-beta' });
  assert.equal(answer.errors?.[0]?.extensions.code, 'SWARM_UNREACHABLE', JSON.stringify(answer));
  assert.match(answer.errors[0].message, /only a platform-admin may give such an endpoint/);
  assert.equal(calls(), 0, 'no Docker call reached the socket');

  const rest = await subject.app.inject({
    method: 'GET',
    url: '/v1/swarms/old-beta/nodes',
    headers: { authorization: `Bearer ${acmeViewer}` },
  });
  assert.equal(rest.statusCode, 503, rest.body);
  assert.equal(rest.json<{ code: string }>().code, 'SWARM_UNREACHABLE');
  assert.equal(calls(), 0);
});

test('the same socket given by a platform-admin is used', async () => {
  const socket = `unix://${labEngine(inventory, 'beta-m1').socket}`;
  const registered = await gql(subject.app, platformAdmin, REGISTER, {
    input: { name: 'beta-granted', tenant: 'acme', endpoints: [{ url: socket }] },
  });
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
  const answer = await gql<{ swarm: { nodes: { items: { id: string }[] } } }>(
    subject.app,
    acmeViewer,
    NODES,
    { swarm: 'beta-granted' },
  );
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  assert.equal(answer.data?.swarm.nodes.items.length, 2, 'beta has a manager and a worker');
});
