// Running external commands, progress output, bounded waiting and the lab's coded errors.
import { spawnSync } from 'node:child_process';

/** Exit codes of the lab CLI: 1 = could not do it (prerequisite, failure), 2 = bad usage. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment for every tool we start: no proxies, no DOCKER_HOST, a fixed PATH. */
export const CLEAN_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
};

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command to completion; never throws for a non-zero exit (check `code`). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    env: opts.env ?? CLEAN_ENV,
    cwd: opts.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    return { code: 127, stdout: r.stdout ?? '', stderr: `${cmd}: ${r.error.message}` };
  }
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command and throws a LabError carrying its stderr when it fails. */
export function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) {
    throw new LabError(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

const started = Date.now();

export function elapsed(since = started): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

export function progress(message: string): void {
  process.stdout.write(`[lab ${elapsed().padStart(6)}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined; on time-out throws a LabError
 * whose message names `what` and the last reason the probe gave.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<{ done: true; value: T } | { done: false; reason: string }>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let reason = 'not checked yet';
  for (;;) {
    try {
      const r = await probe();
      if (r.done) return r.value;
      reason = r.reason;
    } catch (err) {
      reason = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      throw new LabError(`timed out after ${opts.timeoutMs / 1000}s waiting for ${what}: ${reason}`);
    }
    await sleep(opts.intervalMs ?? 500);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Runs tasks with a concurrency limit, keeping input order in the result. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
