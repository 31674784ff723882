// The BullMQ queue of swarm operations (producer side): fail fast when Redis is away (QUEUE_UNAVAILABLE).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { GatewayError } from '../errors.ts';
import { withTimeout } from '../util/timeout.ts';

export const QUEUE_NAME = 'swarmgate-operations';
const ENQUEUE_TIMEOUT_MS = 2000;

export interface JobQueue {
  enqueue(jobId: string, type: string): Promise<void>;
  /** Removes a job that no worker has started yet; false when it is running or gone. */
  removeWaiting(jobId: string): Promise<boolean>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** BullMQ needs every key kept: a Redis that may evict keys would silently lose jobs. */
export async function checkEvictionPolicy(redis: Redis): Promise<string | null> {
  try {
    const answer = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = answer[1];
    if (policy && policy !== 'noeviction') {
      return `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" (set maxmemory-policy noeviction)`;
    }
    return null;
  } catch {
    // CONFIG may be disabled on managed Redis; the operator is then responsible for the policy.
    return null;
  }
}

/** How long closing waits for a queue still starting. */
const CLOSE_WAIT_MS = 2000;

export function createJobQueue(redisUrl: string, prefix: string): JobQueue {
  // Producer: no offline queue and one retry, so a request never hangs on a Redis that is gone.
  const connection = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  connection.on('error', () => undefined);
  const queue = new Queue(QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { count: 1000, age: 24 * 3600 },
      removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
    },
  });
  queue.on('error', () => undefined);

  const unavailable = (error: unknown) =>
    new GatewayError(
      'QUEUE_UNAVAILABLE',
      'the job queue (Redis) is unavailable, so the operation was not queued; retry when it is back',
      undefined,
      { cause: error },
    );

  return {
    async enqueue(jobId, type) {
      try {
        // Our job id is BullMQ's job id: adding the same job twice is a no-op.
        await withTimeout(queue.add(type, { jobId }, { jobId }), ENQUEUE_TIMEOUT_MS, 'the job queue');
      } catch (error) {
        throw unavailable(error);
      }
    },
    async removeWaiting(jobId) {
      try {
        const job = await withTimeout(queue.getJob(jobId), ENQUEUE_TIMEOUT_MS, 'the job queue');
        if (!job) return false;
        const state = await job.getState();
        if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
        await job.remove();
        return true;
      } catch (error) {
        throw unavailable(error);
      }
    },
    async counts() {
      return withTimeout(queue.getJobCounts(), ENQUEUE_TIMEOUT_MS, 'the job queue');
    },
    async close() {
      // Closed while it is still starting (a gateway stopped right after it started), the queue's start-up would go
      // on over a closed connection and fail where nothing catches it: let it finish first (briefly: Redis may be
      // gone).
      await withTimeout(queue.waitUntilReady(), CLOSE_WAIT_MS, 'the job queue').catch(() => undefined);
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
