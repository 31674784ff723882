import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../../../src/app.ts';
import { createTestDatabase, testConfig, testLogger } from '../../helper.ts';
import { startOwnRedis } from '../../helpers/redis.ts';

test('the gateway refuses to start against a Redis whose maxmemory-policy may evict BullMQ keys', async (t) => {
  // A Redis of this test's own, configured the way BullMQ's production guide warns against.
  const redis = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
  t.after(() => redis.kill());
  const db = await createTestDatabase();
  t.after(() => db.drop());
  const url = redis.url;
  await assert.rejects(async () => {
    // buildApp closes what it had started when a part refuses to start.
    const app = await buildApp(testConfig({ DATABASE_URL: db.url, REDIS_URL: url }), {
      databaseUrl: db.url,
      logger: testLogger(),
    });
    await app.close();
  }, /maxmemory-policy is "allkeys-lru"; BullMQ needs "noeviction"/);
});
