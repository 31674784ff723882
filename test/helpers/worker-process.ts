// Worker processes for crash tests: `node --import tsx src/worker.ts` on a test's database and queue, with the test
// gateway's secret key (the job's sealed input must open) and a 4 s job lock, so that a killed worker's job is
// resumed soon. Each test file keeps its own set, stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TEST_JWT_SECRET, TEST_LOG_DIR } from '../helper.ts';
import { isolatedRedisUrl } from './jobs.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface WorkerProcesses {
  /** Starts a worker; resolves when it says it is ready. Its output goes to `<logName>-<pid>-<label>.log`. */
  start(label: string): Promise<ChildProcess>;
  /** SIGTERM to every worker still running (SIGKILL after 15 s); resolves when all exited. */
  stopAll(): Promise<void>;
}

/** Workers on the database `db` (its name is also the test app's queue prefix, see test/helper.ts). */
export function workerProcesses(db: { url: string; name: string }, logName: string): WorkerProcesses {
  const workers = new Set<ChildProcess>();
  return {
    async start(label) {
      mkdirSync(TEST_LOG_DIR, { recursive: true });
      const log = createWriteStream(path.join(TEST_LOG_DIR, `${logName}-${process.pid}-${label}.log`));
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          LOG_LEVEL: 'debug',
          DATABASE_URL: db.url,
          REDIS_URL: isolatedRedisUrl(),
          SWARMGATE_JWT_SECRET: TEST_JWT_SECRET,
          SWARMGATE_SECRET_KEY: '00'.repeat(32),
          SWARMGATE_JOB_LOCK_MS: '4000',
          SWARMGATE_QUEUE_PREFIX: db.name,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.add(child);
      child.once('exit', () => workers.delete(child));
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(
          () => reject(new Error(`worker ${label} not ready in 60 s: ${seen}`)),
          60_000,
        );
        child.stdout.on('data', (chunk: Buffer) => {
          seen = (seen + chunk.toString()).slice(-4000);
          if (seen.includes('worker ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`worker ${label} exited (${code ?? signal}) before it was ready: ${seen}`));
        });
      });
      return child;
    },
    async stopAll() {
      await Promise.all(
        [...workers].map(
          (child) =>
            new Promise<void>((resolve) => {
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
            }),
        ),
      );
    },
  };
}
