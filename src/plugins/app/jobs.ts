// Decorates the instance with `jobs`: the job table, the BullMQ queue, and (unless turned off) a worker running them.
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';
import {
  createApprovalRepository,
  startApprovalSweep,
  type ApprovalRepository,
} from '../../jobs/approvals.ts';
import { createJobQueue, checkEvictionPolicy, type JobQueue } from '../../jobs/queue.ts';
import { createJobRepository, type JobRepository } from '../../jobs/repository.ts';
import type { JobRecord } from '../../jobs/types.ts';
import { startJobWorker, type JobWorker } from '../../jobs/worker.ts';
import { createSealer, type ContentDigest } from '../../util/seal.ts';
import { jobTopic } from './events.ts';
import { rotateAfterJoin } from './join-token-schedule.ts';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: {
      repository: JobRepository;
      queue: JobQueue;
      publish(job: JobRecord): void;
      /** A keyed digest under SWARMGATE_SECRET_KEY (util/seal.ts). */
      digest: ContentDigest;
      /** Approval policies and the transitions of jobs awaiting approval (src/jobs/approvals.ts). */
      approvals: ApprovalRepository;
    };
  }
}

/** How often expired approvals are looked for (an indexed query): expiry is at most this late. */
const APPROVAL_SWEEP_MS = 1000;

export interface JobsPluginOptions {
  redisUrl: string;
  secretKey: string;
  dockerTimeoutMs: number;
  jobs: Config['jobs'];
  /** Force the worker on or off regardless of config (the worker process turns it on). */
  runWorker?: boolean;
}

export default fp<JobsPluginOptions>(
  async (app, options) => {
    // BullMQ's production rule: refuse to run against a Redis that may evict keys.
    if (app.redis.status === 'ready') {
      const problem = await checkEvictionPolicy(app.redis);
      if (problem) throw new Error(problem);
    }
    const sealer = createSealer(options.secretKey);
    const repository = createJobRepository(app.pg, sealer);
    const digest: ContentDigest = (data, context) => sealer.digest(data, context);
    const queue = createJobQueue(options.redisUrl, options.jobs.queuePrefix);
    const publish = (job: JobRecord) => {
      app.events.publish(jobTopic(job.id), { jobUpdated: job });
      if (job.finishedAt)
        app.metrics.jobEnded(job.type, job.state, Date.parse(job.finishedAt) - Date.parse(job.createdAt));
    };
    app.metrics.onScrape(async () => app.metrics.queueDepth(await queue.counts()));
    const approvals = createApprovalRepository(app.pg);
    app.decorate('jobs', { repository, queue, publish, digest, approvals });

    let worker: JobWorker | undefined;
    let stopApprovalSweep: (() => Promise<void>) | undefined;
    if (options.runWorker ?? options.jobs.worker === 'inline') {
      // Where jobs run, awaiting jobs expire: a query each time, so what expired during a restart ends at start.
      stopApprovalSweep = startApprovalSweep(
        { jobs: repository, approvals, audit: app.audit, publishJob: publish, log: app.log },
        APPROVAL_SWEEP_MS,
      );
      worker = startJobWorker(
        {
          pool: app.pg,
          audit: app.audit,
          registry: app.registry,
          swarmClients: app.swarmClients,
          jobs: repository,
          dockerTimeoutMs: options.dockerTimeoutMs,
          digest,
          log: app.log,
          publishJob: publish,
          onJoined: (job, role) => rotateAfterJoin(app, job, role),
        },
        {
          redisUrl: options.redisUrl,
          queuePrefix: options.jobs.queuePrefix,
          concurrency: options.jobs.concurrency,
          lockDurationMs: options.jobs.lockMs,
        },
      );
    }
    app.addHook('onClose', async () => {
      await stopApprovalSweep?.();
      await worker?.close();
      await queue.close();
    });
  },
  {
    name: 'jobs',
    dependencies: ['postgres', 'redis', 'metrics', 'audit', 'events', 'registry', 'swarm-clients'],
  },
);
