import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue();
});
after(async () => {
  await lab?.subject.close();
});

test('the stored engine key is not plaintext in the database', async () => {
  const key = readFileSync(lab.inventory.engines[0]!.key, 'utf8');
  const keyBody = key.split('\n').filter((line) => line && !line.startsWith('-----'))[0]!;
  const client = new pg.Client({ connectionString: lab.subject.db.url });
  await client.connect();
  const rows = await client
    .query<{ url: string; credentials: Buffer | null }>('SELECT url, credentials FROM swarm_endpoints')
    .finally(() => client.end());
  assert.equal(rows.rows.length, 4, 'alpha has three endpoints, beta one');
  for (const row of rows.rows) {
    assert.ok(row.credentials && row.credentials.length > 100, `${row.url} has sealed credentials`);
    const stored = row.credentials.toString('latin1');
    assert.ok(!stored.includes('PRIVATE KEY'), `${row.url}: no PEM header in the stored bytes`);
    assert.ok(!stored.includes(keyBody), `${row.url}: the key's base64 is not stored as is`);
    assert.ok(!row.credentials.toString('base64').includes(keyBody.slice(0, 32)));
  }
});

test('no API answer carries the engine credentials', async () => {
  const answer = await gql(
    lab.app,
    lab.tokens.redAdmin,
    '{ swarm(id: "alpha") { id name endpoints labels { key value } status { endpoints { url up error } } } }',
  );
  const body = JSON.stringify(answer);
  assert.ok(!body.includes('PRIVATE KEY'));
  assert.ok(!body.includes('BEGIN CERTIFICATE'));
  const rest = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha',
    headers: { authorization: `Bearer ${lab.tokens.redAdmin}` },
  });
  assert.ok(!rest.body.includes('PRIVATE KEY'));
});
