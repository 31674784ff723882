// The BullMQ worker: takes the swarm's lock, runs the job's processor, and ends the job with its audit outcome.
// Runs inside the gateway by default and as its own process (`npm run worker`).
import { DelayedError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { AuditStore } from '../audit/store.ts';
import type { AuditTarget } from '../audit/types.ts';
import { outcomeOf } from '../errors.ts';
import { endJob } from './end-job.ts';
import type { JobContext, JobOutcome, Processor, ProcessorDeps } from './processor.ts';
import { JobCancelledError } from './processor.ts';
import { PROCESSORS } from './processors/index.ts';
import { QUEUE_NAME } from './queue.ts';
import { tryLockSwarm } from './swarm-lock.ts';
import { isJobType, type JobInput, type JobRecord, type JobType } from './types.ts';

export interface WorkerDeps extends ProcessorDeps {
  pool: pg.Pool;
  audit: AuditStore;
  /** Tells subscribers of jobUpdated. */
  publishJob: (job: JobRecord) => void;
}

export interface WorkerOptions {
  redisUrl: string;
  /** BullMQ key prefix: gateways sharing a Redis but not a database must not share a queue. */
  queuePrefix: string;
  concurrency: number;
  /** How long a crashed worker's job stays locked before another worker resumes it. */
  lockDurationMs: number;
}

const CANCEL_POLL_MS = 1000;
const LOCK_RETRY_MS = 250;

export interface JobWorker {
  close(): Promise<void>;
}

export function startJobWorker(deps: WorkerDeps, options: WorkerOptions): JobWorker {
  const connection = new Redis(options.redisUrl, {
    // BullMQ's workers must wait for Redis rather than fail their blocking commands.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  connection.on('error', () => undefined);
  const worker = new Worker<{ jobId: string }>(QUEUE_NAME, (bullJob, token) => runJob(deps, bullJob, token), {
    connection,
    prefix: options.queuePrefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
    maxStalledCount: 10,
  });
  worker.on('error', (error) => deps.log.warn({ err: error }, 'job worker: Redis problem'));
  worker.on('failed', (job, error) =>
    deps.log.error({ err: error, jobId: job?.data.jobId }, 'job worker: job failed outside its processor'),
  );
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

async function runJob(deps: WorkerDeps, bullJob: BullJob<{ jobId: string }>, token: string | undefined) {
  const { jobId } = bullJob.data;
  const existing = await deps.jobs.get(jobId);
  if (!existing || ['succeeded', 'failed', 'cancelled'].includes(existing.state)) return;

  // One mutating job per swarm at a time; a busy swarm puts this job back for a moment.
  const lock = existing.swarmId ? await tryLockSwarm(deps.pool, existing.swarmId) : null;
  if (existing.swarmId && !lock) {
    await bullJob.moveToDelayed(
      Date.now() + LOCK_RETRY_MS + Math.floor(Math.random() * LOCK_RETRY_MS),
      token,
    );
    throw new DelayedError();
  }
  try {
    if (existing.cancelRequested) {
      await endJob(deps, existing, 'cancelled', {
        errorCode: 'CANCELLED',
        errorMessage: 'cancelled before it started',
      });
      return;
    }
    const job = await deps.jobs.markRunning(jobId);
    if (!job) return;
    deps.publishJob(job);
    await execute(deps, job);
  } finally {
    await lock?.release();
  }
}

async function execute(deps: WorkerDeps, job: JobRecord): Promise<void> {
  if (!isJobType(job.type)) {
    // A row written by another version of the gateway, naming a job type this one does not know.
    await endJob(deps, job, 'failed', {
      errorCode: 'INTERNAL',
      errorMessage: `no processor for ${String(job.type)}`,
    });
    return;
  }
  const abort = new AbortController();
  const cancelWatch = setInterval(() => {
    deps.jobs.isCancelRequested(job.id).then(
      (requested) => requested && abort.abort(),
      () => undefined,
    );
  }, CANCEL_POLL_MS);
  const log = deps.log.child({ jobId: job.id, jobType: job.type });
  // What the processor learned about its target, also passed to endJob should its own write have been lost.
  let learned: AuditTarget = {};
  try {
    const swarm = job.swarmId ? await deps.registry.findSwarm(null, job.swarmId) : null;
    if (job.swarmId && !swarm) {
      await endJob(deps, job, 'failed', {
        errorCode: 'NOT_FOUND',
        errorMessage: `swarm ${job.swarmName ?? job.swarmId} is no longer registered`,
      });
      return;
    }
    const context: JobContext = {
      job,
      // The input its operation stored for this job type (sealed; only the gateway writes it).
      input: (await deps.jobs.inputOf(job.id)) as JobInput<JobType>,
      swarm,
      client: swarm ? await deps.swarmClients.clientFor(swarm) : null,
      deps,
      log,
      signal: abort.signal,
      async progress(percent, step, message = null) {
        const updated = await deps.jobs.progress(job.id, { percent, step, message });
        if (updated) deps.publishJob(updated);
      },
      async learnTarget(target) {
        learned = { ...learned, ...target };
        const updated = await deps.jobs.learnTarget(job.id, target);
        if (updated) deps.publishJob(updated);
      },
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          if (abort.signal.aborted) return reject(new JobCancelledError());
          const onAbort = () => {
            clearTimeout(timer);
            reject(new JobCancelledError());
          };
          const timer = setTimeout(() => {
            abort.signal.removeEventListener('abort', onAbort);
            resolve();
          }, ms);
          abort.signal.addEventListener('abort', onAbort, { once: true });
        }),
    };
    const outcome = await runProcessor(job.type, context);
    await endJob(deps, job, 'succeeded', {
      result: outcome.result,
      target: { ...learned, ...outcome.target },
    });
  } catch (error) {
    if (error instanceof JobCancelledError || abort.signal.aborted) {
      await endJob(deps, job, 'cancelled', {
        target: learned,
        errorCode: 'CANCELLED',
        errorMessage: 'cancelled while running',
      });
      return;
    }
    const outcome = outcomeOf(error);
    // INTERNAL is a bug, for the log's reader; a coded failure (JOB_TIMEOUT, UPDATE_PAUSED...) is the job's answer.
    if (outcome.code === 'INTERNAL') log.error({ err: error }, 'job failed');
    else log.info({ errorCode: outcome.code, errorMessage: outcome.message }, 'job failed');
    await endJob(deps, job, 'failed', {
      target: learned,
      errorCode: outcome.code,
      errorMessage: outcome.message,
    });
  } finally {
    clearInterval(cancelWatch);
  }
}

/** The processor of the job's type, given the context built for that type. */
function runProcessor<T extends JobType>(type: T, context: JobContext): Promise<JobOutcome> {
  const processor: Processor<T> = PROCESSORS[type];
  return processor(context as JobContext<T>);
}
