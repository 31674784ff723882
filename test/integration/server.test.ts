import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../helpers/net.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TEST_REDIS_URL } from '../helper.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function waitFor(
  url: string,
  status: number,
  deadlineMs: number,
  child: ChildProcess,
): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status === status) return response;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${status} within ${deadlineMs} ms (last: ${last})`);
}

test('npm start with DATABASE_URL unset boots on the embedded PostgreSQL, migrates, and stops cleanly on SIGTERM', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'swarmgate-embedded-'));
  // PostgreSQL runs as the postgres user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [port, pgPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: TEST_REDIS_URL,
    SWARMGATE_EMBEDDED_PG_DIR: path.join(dir, 'pg'),
    SWARMGATE_EMBEDDED_PG_PORT: String(pgPort),
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const ready = await waitFor(`http://127.0.0.1:${port}/readyz`, 200, 90_000, child).catch(
    (error: unknown) => {
      throw new Error(`${String(error)}\n--- server output ---\n${output}`);
    },
  );
  assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  assert.match(output, /embedded PostgreSQL/);

  // The embedded database holds the migrated schema.
  const pg = await import('pg');
  const client = new pg.default.Client({
    connectionString: `postgres://swarmgate:swarmgate-embedded@127.0.0.1:${pgPort}/swarmgate`,
  });
  await client.connect();
  const tables = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'swarms'");
  await client.end();
  assert.equal(tables.rowCount, 1);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  assert.match(output, /shutting down/);
  // The embedded PostgreSQL stopped with the gateway.
  await assert.rejects(async () => {
    const probe = new pg.default.Client({
      connectionString: `postgres://swarmgate@127.0.0.1:${pgPort}/swarmgate`,
    });
    await probe.connect();
  });
});
