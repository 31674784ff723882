import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

test('defaults apply when the environment is empty', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
});

test('a malformed value stops the start with a message naming the variable', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://nope', DATABASE_URL: 'mysql://x/y' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /PORT/);
      assert.match(error.message, /REDIS_URL/);
      assert.match(error.message, /DATABASE_URL/);
      return true;
    },
  );
});

test('a too short JWT secret and a malformed secret key are refused by name', () => {
  assert.throws(
    () => loadConfig({ SWARMGATE_JWT_SECRET: 'short', SWARMGATE_SECRET_KEY: 'abc' }),
    /SWARMGATE_JWT_SECRET[\s\S]*SWARMGATE_SECRET_KEY|SWARMGATE_SECRET_KEY[\s\S]*SWARMGATE_JWT_SECRET/,
  );
});

test('an empty variable counts as unset', () => {
  assert.equal(loadConfig({ DATABASE_URL: '' }).databaseUrl, undefined);
});
