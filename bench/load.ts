// The load generator, a process of its own (pinned to its own CPU by the runner): reads one JSON command per line
// on stdin, runs autocannon for it, and answers one JSON line on stdout. Latencies are taken from every response
// (sub-millisecond precision), not from autocannon's whole-millisecond histogram.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { summarize, type LatencySummary } from './stats.ts';

export interface LoadCommand {
  id: number;
  url: string;
  requests: AutocannonRequest[];
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  /** Client certificate material (file paths) for mutual TLS. */
  tls?: { ca: string; cert: string; key: string };
  /** Time every answer, not only 2xx (for refusals measured on purpose). */
  anyStatus?: boolean;
  /** Every `[<id>]` of a body becomes a fresh random id, so that no two requests send the same document. */
  unique?: boolean;
}

export interface LoadResult extends LatencySummary {
  /** Timed answers (2xx, or all with `anyStatus`) per second over the run. */
  rps: number;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  bytes: number;
}

export type LoadAnswer = { id: number; result: LoadResult } | { id: number; error: string };

function run(command: LoadCommand): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: command.url,
        connections: command.connections,
        ...(command.amount === undefined ? { duration: command.duration ?? 5 } : { amount: command.amount }),
        timeout: 30,
        requests: command.requests,
        ...(command.unique ? { idReplacement: true } : {}),
        ...(command.tls
          ? {
              tlsOptions: {
                ca: readFileSync(command.tls.ca),
                cert: readFileSync(command.tls.cert),
                key: readFileSync(command.tls.key),
              },
            }
          : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        const statusCodes = Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]),
        );
        const summary = summarize(latencies);
        resolve({
          ...summary,
          rps: summary.count / result.duration,
          seconds: result.duration,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          bytes: result.throughput.total,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (command.anyStatus || (statusCode >= 200 && statusCode < 300)) latencies.push(responseTime);
    });
  });
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line) as LoadCommand;
  // One run at a time, in the order asked.
  queue = queue.then(async () => {
    let answer: LoadAnswer;
    try {
      answer = { id: command.id, result: await run(command) };
    } catch (error) {
      answer = { id: command.id, error: error instanceof Error ? error.message : String(error) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
lines.on('close', () => {
  void queue.finally(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
