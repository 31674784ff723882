// Test harness: a fresh PostgreSQL database per test file on the machine's real server, and the real app.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';

/** Admin connection used to create and drop the per-file databases (trust auth on the test machine). */
export const ADMIN_DATABASE_URL =
  process.env.SWARMGATE_TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.SWARMGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The HS256 secret testConfig gives the gateway; test/helpers/tokens.ts signs with it by default. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a database that only this test file uses, migrated unless asked otherwise. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `swarmgate_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `tests need the machine's PostgreSQL at ${ADMIN_DATABASE_URL} (set SWARMGATE_TEST_ADMIN_DATABASE_URL): ${String(error)}`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await migrate(url.toString());
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A config as the gateway would read it, for tests: real Redis, quiet logs, overridable by env-style keys. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    SWARMGATE_JWT_SECRET: TEST_JWT_SECRET,
    SWARMGATE_SECRET_KEY: '00'.repeat(32),
    ...overrides,
  });
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  close(): Promise<void>;
}

export interface BuildTestAppOptions {
  /** Runs after buildApp and before ready(), e.g. to add a test-only route. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>;
}

/** Builds the real gateway on a fresh database; close() closes the app and drops the database. */
export async function buildTestApp(
  overrides: Record<string, string> = {},
  options: BuildTestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = testConfig({ ...overrides, DATABASE_URL: db.url });
  const app = await buildApp(config, { databaseUrl: db.url });
  await options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
