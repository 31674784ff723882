// What every phase of a run shares: settings, pinning, the gateway build, the Redis database, the load generator,
// the cleanup stack (everything started is stopped) and the notes the report prints.
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Gateway, GatewayBuild } from './gateway.ts';
import type { LoadResult } from './load.ts';
import type { LoadGenerator, LoadSpec } from './load-generator.ts';
import type { Pinning } from './processes.ts';
import type { RedisDatabase } from './redis-db.ts';
import type { ReadRow, Settings } from './types.ts';

/** Undo actions, run last-in first-out at the end of the run, on failure and on Ctrl-C. */
export class Cleanup {
  private readonly actions: { name: string; run: () => Promise<void> }[] = [];

  /** Registers an undo action; the returned function runs it now (once) instead of at the end. */
  add(name: string, run: () => Promise<void>): () => Promise<void> {
    const action = { name, run };
    this.actions.push(action);
    return async () => {
      const index = this.actions.indexOf(action);
      if (index < 0) return;
      this.actions.splice(index, 1);
      await run();
    };
  }

  private running: Promise<void> | null = null;

  /** Runs every action, last first; a second call (Ctrl-C during the final cleanup) waits for the same run. */
  runAll(log: (message: string) => void): Promise<void> {
    this.running ??= this.runEach(log);
    return this.running;
  }

  private async runEach(log: (message: string) => void): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.pop()!;
      try {
        await action.run();
      } catch (error) {
        log(`cleanup: ${action.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

export interface Context {
  settings: Settings;
  pinning: Pinning;
  build: GatewayBuild;
  redis: RedisDatabase;
  load: LoadGenerator;
  cleanup: Cleanup;
  notes: string[];
  log(message: string): void;
}

export interface ReadSpec extends Omit<ReadRow, 'load' | 'roundsRps' | 'dockerCalls' | 'dockerCallsPer1000'> {
  target: Omit<LoadSpec, 'duration' | 'amount'>;
  /** The gateway whose Docker calls are counted, and the swarms they are counted for. */
  gateway?: Gateway;
  swarms?: ReadonlySet<string>;
}

/**
 * Reads measured side by side: each is warmed up once, then measured in `settings.rounds` short runs taken in turn
 * (A B C, A B C, ...), so that a burst of other work on the machine falls on every read alike instead of on one of
 * them. A row shows its median round (its rate and latencies); errors and Docker calls count over every round.
 */
export async function measureReads(ctx: Context, specs: readonly ReadSpec[]): Promise<ReadRow[]> {
  const { rounds, warmupSeconds, durationSeconds } = ctx.settings;
  const seconds = durationSeconds / rounds;
  const runs = specs.map(() => [] as LoadResult[]);
  const calls: (number | null)[] = specs.map((spec) => (spec.gateway ? 0 : null));
  for (const spec of specs) {
    ctx.log(`  warm-up: ${spec.label}`);
    await ctx.load.run({ ...spec.target, duration: warmupSeconds });
  }
  for (let round = 1; round <= rounds; round += 1) {
    ctx.log(`  round ${round} of ${rounds}: ${specs.length} reads, ${seconds.toFixed(1)} s each`);
    for (const [index, spec] of specs.entries()) {
      const before = spec.gateway ? await spec.gateway.dockerCalls(spec.swarms) : null;
      runs[index]!.push(await ctx.load.run({ ...spec.target, duration: seconds }));
      const after = spec.gateway ? await spec.gateway.dockerCalls(spec.swarms) : null;
      if (before !== null && after !== null) calls[index] = (calls[index] ?? 0) + after - before;
    }
  }
  return specs.map((spec, index) => rowOf(ctx, spec, runs[index]!, calls[index]!));
}

function rowOf(ctx: Context, spec: ReadSpec, runs: LoadResult[], dockerCalls: number | null): ReadRow {
  const { target: _target, gateway: _gateway, swarms: _swarms, ...row } = spec;
  const median = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)]!;
  const sum = (pick: (run: LoadResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const load: LoadResult = {
    ...median,
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    statusCodes,
  };
  if (load.non2xx > 0 || load.errors > 0) {
    ctx.notes.push(
      `${row.label}: ${load.non2xx} non-2xx answers (${JSON.stringify(statusCodes)}), ${load.errors} errors ` +
        `(${load.timeouts} time-outs); only 2xx answers count`,
    );
  }
  const answered = sum((run) => run.count);
  return {
    ...row,
    load,
    roundsRps: runs.map((run) => run.rps),
    dockerCalls,
    dockerCallsPer1000: dockerCalls === null || answered === 0 ? null : (dockerCalls / answered) * 1000,
  };
}

/** GET over mutual TLS (the lab's engines), parsed as JSON. */
export function httpsJson(url: string, tls: { ca: string; cert: string; key: string }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        ca: readFileSync(tls.ca),
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
        timeout: 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer in 30 s`)));
    request.on('error', reject);
    request.end();
  });
}

/** One request through the gateway, parsed as JSON (to check an answer before it is measured). */
export async function gatewayJson(
  gateway: Gateway,
  request: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway.baseUrl}${request.path ?? '/'}`, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, body: await response.json() };
}
