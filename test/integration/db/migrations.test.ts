import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrate } from '../../../src/db/migrate.ts';
import { createTestDatabase } from '../../helper.ts';

test('migrations create tenants, swarms and endpoints, and a second run applies nothing', async (t) => {
  const db = await createTestDatabase();
  t.after(() => db.drop());
  const again = await migrate(db.url);
  assert.deepEqual(again.applied, []);
  assert.ok(again.to >= 1);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const tables = await client
    .query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
    .finally(() => client.end());
  const names = tables.rows.map((row) => row.table_name);
  for (const expected of ['tenants', 'swarms', 'swarm_endpoints'])
    assert.ok(names.includes(expected), expected);
});

test('concurrent migrations of one empty database do not collide', async (t) => {
  const db = await createTestDatabase({ migrate: false });
  t.after(() => db.drop());
  const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
  assert.equal(new Set(results.map((result) => result.to)).size, 1);
  // Exactly one of the three applied the files; the others found the database up to date.
  assert.equal(results.filter((result) => result.applied.length > 0).length, 1);
});
