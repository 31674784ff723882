import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { freePort } from '../../helpers/net.ts';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../../src/app.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../../src/db/embedded.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { testConfig, testLogger } from '../../helper.ts';
import type { DockerNode } from '../../../src/docker/types.ts';
import { dockerFor, labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, tlsEndpointsOf } from '../../helpers/red-blue.ts';

// This test stops its database, so it runs on a PostgreSQL of its own (embedded), not the machine's.
const DIR = path.resolve(import.meta.dirname, `../../../var/test-pg-${randomBytes(3).toString('hex')}`);
let port = 0;
let database: EmbeddedDatabase | undefined;
let app: FastifyInstance | undefined;
let inventory: Inventory;
const admin = tokenFor('red', ['admin']);

const startDatabase = () => startEmbeddedPostgres({ dir: DIR, port, log: () => undefined });

before(async () => {
  inventory = await requireLab();
  port = await freePort();
  database = await startDatabase();
  await migrate(database.url);
  app = await buildApp(testConfig({ DATABASE_URL: database.url }), {
    databaseUrl: database.url,
    logger: testLogger(),
  });
  await app.ready();
  const alphaManagers = inventory.swarms.find((swarm) => swarm.name === 'alpha')!.managers;
  dataOf(
    await gql(app, admin, REGISTER, {
      input: {
        name: 'alpha',
        endpoints: tlsEndpointsOf(inventory, alphaManagers),
        labels: [{ key: 'tier', value: 'one' }],
      },
    }),
  );
});

after(async () => {
  await app?.close();
  await database?.stop();
  await rm(DIR, { recursive: true, force: true });
});

const readNodes = async () =>
  gql<{ swarm: { nodes: { totalCount: number } } }>(
    app!,
    admin,
    '{ swarm(id: "alpha") { nodes { totalCount } } }',
  );

test('with PostgreSQL stopped a mutation answers AUDIT_UNAVAILABLE and changes nothing, while reads still answer', async () => {
  // A first read: the gateway knows alpha and holds a client for it.
  assert.equal(dataOf(await readNodes()).swarm.nodes.totalCount, 5);

  await database!.stop();
  database = undefined;

  const refused = await gql(
    app!,
    admin,
    'mutation { updateSwarm(input: { swarm: "alpha", labels: [{ key: "tier", value: "two" }] }) { swarm { id } } }',
  );
  assert.equal(refused.errors?.[0]?.extensions.code, 'AUDIT_UNAVAILABLE', JSON.stringify(refused.errors));
  assert.match(refused.errors?.[0]?.message ?? '', /audit log cannot be written/);

  // A change to the swarm itself is refused too, and Docker shows the node untouched.
  const docker = dockerFor(labEngine(inventory, 'alpha-m1'));
  const nodes = (await docker.listNodes()) as DockerNode[];
  const worker = docker.getNode(nodes.find((node) => node.Description?.Hostname === 'alpha-w1')!.ID);
  const before = (await worker.inspect()) as DockerNode;
  const labels = await gql(
    app!,
    admin,
    'mutation { updateNodeLabels(input: { swarm: "alpha", node: "alpha-w1", add: [{ key: "outage", value: "yes" }] }) { id } }',
  );
  assert.equal(labels.errors?.[0]?.extensions.code, 'AUDIT_UNAVAILABLE', JSON.stringify(labels.errors));
  const after = (await worker.inspect()) as DockerNode;
  assert.equal(after.Version.Index, before.Version.Index, 'the node was not updated');
  assert.equal(after.Spec.Labels?.outage, undefined);

  // Reads of the swarm keep working through the outage (GraphQL and REST).
  assert.equal(dataOf(await readNodes()).swarm.nodes.totalCount, 5);
  const rest = await app!.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/nodes',
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(rest.statusCode, 200, rest.body);

  // Back up: the registration is as it was and nothing was audited for the refused change.
  database = await startDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const labels = await client.query<{ labels: Record<string, string> }>(
      "SELECT labels FROM swarms WHERE name = 'alpha'",
    );
    assert.deepEqual(labels.rows[0]?.labels, { tier: 'one' });
    const events = await client.query("SELECT 1 FROM audit_events WHERE action = 'swarm.update'");
    assert.equal(events.rowCount, 0);
  } finally {
    await client.end();
  }
});
