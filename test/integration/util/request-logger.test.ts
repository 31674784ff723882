// Each request's logger (src/util/lazy-logger.ts) is made real only when a line is logged at an enabled level: what
// is logged must be the same as with fastify's own child loggers (the request id on every line, children keeping it,
// disabled levels writing nothing).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '../../helper.ts';

interface Line {
  level: number;
  msg?: string;
  reqId?: string;
  [key: string]: unknown;
}

const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.drop();
});

async function appLoggingAt(level: string): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const db = await createTestDatabase();
  databases.push(db);
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const config = testConfig({
    SWARMGATE_QUEUE_PREFIX: db.name,
    DATABASE_URL: db.url,
    SWARMGATE_WORKER: 'off',
  });
  const app = await buildApp(config, { databaseUrl: db.url, logger: { level, stream } });
  app.get('/test-logs', (request) => {
    request.log.debug('a debug line');
    request.log.info({ step: 'info' }, 'an info line');
    request.log.warn({ step: 'warn' }, 'a warn line');
    request.log.child({ part: 'child' }).error('an error line from a child');
    return { logged: true };
  });
  await app.ready();
  return { app, lines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('at warn, a request writes its warn and error lines with its request id, and nothing below warn', async () => {
  const { app, lines } = await appLoggingAt('warn');
  try {
    const response = await app.inject({ method: 'GET', url: '/test-logs' });
    assert.equal(response.statusCode, 200);
    const mine = lines.filter((line) => line.reqId !== undefined);
    assert.deepEqual(
      mine.map((line) => line.msg),
      ['a warn line', 'an error line from a child'],
    );
    assert.match(mine[0]!.reqId!, UUID);
    assert.equal(mine[1]!.reqId, mine[0]!.reqId, 'a child of the request logger keeps the request id');
    assert.equal(mine[1]!.part, 'child');
    assert.equal(mine[0]!.step, 'warn');
    assert.ok(!lines.some((line) => line.level < 40), 'no line below warn');
  } finally {
    await app.close();
  }
});

test('at debug, every line of a request carries the same request id, fastify request logging included', async () => {
  const { app, lines } = await appLoggingAt('debug');
  try {
    const response = await app.inject({ method: 'GET', url: '/test-logs' });
    assert.equal(response.statusCode, 200);
    const mine = lines.filter((line) => line.reqId !== undefined);
    const messages = mine.map((line) => line.msg);
    for (const expected of [
      'incoming request',
      'a debug line',
      'an info line',
      'a warn line',
      'request completed',
    ])
      assert.ok(messages.includes(expected), `${expected} logged: ${JSON.stringify(messages)}`);
    assert.equal(new Set(mine.map((line) => line.reqId)).size, 1, 'one request id on every line');

    await app.inject({ method: 'GET', url: '/test-logs' });
    const ids = new Set(lines.filter((line) => line.reqId !== undefined).map((line) => line.reqId));
    assert.equal(ids.size, 2, 'the second request logs under its own id');
  } finally {
    await app.close();
  }
});
