// Shared by the tests that run jobs against the lab: a queue of their own, the job fields they read, waiting
// for a job to end, and the context a worker gives a processor when it runs a job again after a crash.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { JobContext } from '../../src/jobs/processor.ts';
import type { JobInput, JobProgress, JobType } from '../../src/jobs/types.ts';
import { TEST_REDIS_URL, testLogger } from '../helper.ts';
import { dataOf, gql } from './graphql.ts';

export type { JobProgress };

/**
 * BullMQ's queue lives in Redis, which every test process on this machine shares: a worker of another test's
 * gateway would take our jobs (and drop them, as they are not in its database). A Redis database of our own keeps
 * the queue ours.
 */
export function isolatedRedisUrl(): string {
  const url = new URL(TEST_REDIS_URL);
  url.pathname = '/13';
  return url.toString();
}

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** What the node operations' tests read of a job; a test that reads more extends the list and the interface. */
export const NODE_JOB_FIELDS =
  'id type state forced attempts errorCode errorMessage result operationId target { nodeId nodeName }';

export interface NodeJob {
  id: string;
  type: string;
  state: string;
  forced: boolean;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  operationId: string;
  target: { nodeId: string | null; nodeName: string | null };
}

/** What the service operations' tests read of a job. */
export const SERVICE_JOB_FIELDS =
  'id type state progress { percent step message } errorCode errorMessage result target { serviceId serviceName }';

export interface ServiceJob {
  id: string;
  type: string;
  state: string;
  progress: JobProgress;
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  target: { serviceId: string | null; serviceName: string | null };
}

export interface UntilJobEndsOptions<J> {
  timeoutMs: number;
  /** The pause between two reads. */
  intervalMs: number;
  /** Sees every read of the job, the ended one included. */
  onRead?: (job: J) => void;
  /** Whether a timeout's message shows the whole job as last read. */
  showJob?: boolean;
}

/** Reads job(id) through GraphQL until it ends; the test fails when it has not ended within `timeoutMs`. */
export async function untilJobEnds<J extends { state: string }>(
  app: FastifyInstance,
  token: string,
  fields: string,
  id: string,
  options: UntilJobEndsOptions<J>,
): Promise<J> {
  const { timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = dataOf(
      await gql<{ job: J }>(app, token, `query ($id: ID!) { job(id: $id) { ${fields} } }`, { id }),
    );
    options.onRead?.(job);
    if (TERMINAL.has(job.state)) return job;
    const still = `job ${id} still ${job.state} after ${timeoutMs} ms`;
    assert.ok(Date.now() < deadline, options.showJob ? `${still}: ${JSON.stringify(job)}` : still);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

/**
 * The context a worker gives a job's processor when it runs the job again after a crash (kill -9): the job as
 * stored, with `progress` in place of the stored one when given (what the crashed run had recorded). `swarm: false`
 * for a job without a registered swarm (initSwarm), which gets no swarm and no client.
 */
export async function resumedContext<T extends JobType = JobType>(
  app: FastifyInstance,
  jobId: string,
  options: { progress?: JobProgress; swarm?: boolean } = {},
): Promise<JobContext<T>> {
  const record = await app.jobs.repository.get(jobId);
  let swarm: JobContext['swarm'] = null;
  if (options.swarm === false) {
    assert.ok(record);
  } else {
    assert.ok(record?.swarmId);
    swarm = await app.registry.findSwarm(null, record.swarmId);
    assert.ok(swarm);
  }
  return {
    job: options.progress ? { ...record, progress: options.progress } : record,
    // The stored input of a job of type T, as the worker reads it.
    input: (await app.jobs.repository.inputOf(jobId)) as JobInput<T>,
    swarm,
    client: swarm ? await app.swarmClients.clientFor(swarm) : null,
    deps: {
      registry: app.registry,
      swarmClients: app.swarmClients,
      jobs: app.jobs.repository,
      dockerTimeoutMs: app.config.dockerTimeoutMs,
      digest: app.jobs.digest,
      pool: app.pg,
      audit: app.audit,
      log: app.log,
    },
    log: app.log,
    progress: () => Promise.resolve(),
    learnTarget: () => Promise.resolve(),
    signal: new AbortController().signal,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** One line of the gateway's pino log. */
export interface LogLine {
  level: number;
  msg: string;
  jobId?: string;
  errorCode?: string;
  [field: string]: unknown;
}

/**
 * The lines the gateways of this test process logged about a job (test/helper.ts logs them to a file at debug
 * level), once the worker logged that the job failed: a failure's log level says whether it was taken for a bug.
 */
export async function failedJobLogLines(jobId: string, timeoutMs = 5000): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(testLogger().file, 'utf8').catch(() => '');
    const lines = text
      .split('\n')
      .filter((line) => line.includes(jobId) && line.endsWith('}'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.jobId === jobId);
    if (lines.some((line) => line.msg === 'job failed')) return lines;
    assert.ok(Date.now() < deadline, `the worker logged no "job failed" for job ${jobId}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
