import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { createTestDatabase, testConfig, testLogger } from '../helper.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

test('the gateway refuses to start against a Redis whose maxmemory-policy may evict BullMQ keys', async (t) => {
  const port = await freePort();
  // A Redis of this test's own, configured the way BullMQ's production guide warns against.
  const redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'allkeys-lru',
    ],
    { stdio: 'ignore' },
  );
  t.after(() => redis.kill('SIGKILL'));
  const db = await createTestDatabase();
  t.after(() => db.drop());
  const url = `redis://127.0.0.1:${port}`;
  // Wait until it accepts connections.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await assert.rejects(async () => {
    // buildApp closes what it had started when a part refuses to start.
    const app = await buildApp(testConfig({ DATABASE_URL: db.url, REDIS_URL: url }), {
      databaseUrl: db.url,
      logger: testLogger(),
    });
    await app.close();
  }, /maxmemory-policy is "allkeys-lru"; BullMQ needs "noeviction"/);
});
