// Test harness: a fresh PostgreSQL database per test file on the machine's real server, and the real app.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { containsSecret } from '../src/audit/redact.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';

/** Where the tests' gateways log (at debug level), so that a final test can scan every line for secrets. */
export const TEST_LOG_DIR = path.resolve(import.meta.dirname, '../var/test-logs');

/** One log file per test process; every app a test file builds appends to it. */
export function testLogger(): { level: string; file: string } {
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  return { level: 'debug', file: path.join(TEST_LOG_DIR, `gateway-${process.pid}.log`) };
}

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
    // Budgets far above what a test sends: rate limiting stays on (and is exercised) without refusing other tests.
    // Tests of the limits themselves set small ones.
    SWARMGATE_RATE_LIMIT_REQUESTS: '1000000',
    SWARMGATE_RATE_LIMIT_MUTATIONS: '100000',
    SWARMGATE_RATE_LIMIT_ANONYMOUS: '100000',
    SWARMGATE_TENANT_MAX_CONCURRENT: '1000',
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
  /** Builds on this database instead of a fresh one (a second gateway instance); close() then leaves it. */
  database?: TestDatabase;
}

/** Builds the real gateway on a fresh database; close() closes the app and drops the database it created. */
export async function buildTestApp(
  overrides: Record<string, string> = {},
  options: BuildTestAppOptions = {},
): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase());
  // A queue of the database's own: gateways of other test databases sharing this Redis never take its jobs.
  const config = testConfig({ SWARMGATE_QUEUE_PREFIX: db.name, ...overrides, DATABASE_URL: db.url });
  const app = await buildApp(config, { databaseUrl: db.url, logger: testLogger() });
  await options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    db,
    async close() {
      try {
        await assertNoSecretsInAudit(db.url);
      } finally {
        await app.close();
        if (!options.database) await db.drop();
      }
    },
  };
}

/**
 * Every audit row a test wrote is scanned before its database is dropped: a join token, a PEM block or a JWT
 * in any column fails the test file that wrote it.
 */
export async function assertNoSecretsInAudit(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'audit_events'",
    );
    if (exists.rowCount === 0) return;
    const rows = await client.query<{ id: string; action: string; body: string }>(
      'SELECT id, action, row_to_json(a)::text AS body FROM audit_events a',
    );
    const leaking = rows.rows.filter((row) => containsSecret(row.body));
    if (leaking.length > 0) {
      throw new Error(
        `audit rows hold secrets: ${leaking.map((row) => `${row.action} ${row.id}`).join(', ')}`,
      );
    }
  } finally {
    await client.end();
  }
}
