// BullMQ job schedulers of scheduled join-token rotation: one per swarm on a queue of their own, waking a worker up
// every period. The wake-up only asks "is this swarm due?": the database row (claimDue) decides, so a wake-up that
// comes twice, early or after a missed-run catch-up rotates nothing more.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { JoinTokenRotationRepository } from '../registry/join-token-rotation.ts';
import { withTimeout } from '../util/timeout.ts';

export const SCHEDULE_QUEUE_NAME = 'swarmgate-schedules';
const JOB_NAME = 'swarm.joinToken.schedule';
const CALL_TIMEOUT_MS = 2000;
const CLOSE_WAIT_MS = 2000;

/** What a scheduler's job carries: only the swarm's id (no tenant data, no secret). */
export interface JoinTokenWakeUp {
  swarmId: string;
}

export interface ScheduledWakeUp {
  /** The period, in milliseconds. */
  every: number;
  /** When it wakes up next (epoch ms), if BullMQ says. */
  next: number | null;
}

export interface JoinTokenScheduler {
  /** Creates or re-phases the swarm's scheduler: first wake-up at `firstAt`, then every `periodMs`. */
  schedule(swarmId: string, periodMs: number, firstAt: Date): Promise<void>;
  /** Removes the swarm's scheduler (and its next wake-up); fine when there is none. */
  unschedule(swarmId: string): Promise<void>;
  /** The swarm's scheduler as BullMQ has it, or null. */
  get(swarmId: string): Promise<ScheduledWakeUp | null>;
  close(): Promise<void>;
}

export const schedulerIdOf = (swarmId: string) => `join-token:${swarmId}`;

export function createJoinTokenScheduler(redisUrl: string, prefix: string): JoinTokenScheduler {
  // As the operations queue: fail fast rather than hang a request on a Redis that is gone.
  const connection = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  connection.on('error', () => undefined);
  const queue = new Queue<JoinTokenWakeUp>(SCHEDULE_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
  queue.on('error', () => undefined);
  const call = <T>(promise: Promise<T>) => withTimeout(promise, CALL_TIMEOUT_MS, 'the schedule queue');

  return {
    async schedule(swarmId, periodMs, firstAt) {
      // BullMQ keeps an existing scheduler's phase when it is upserted again with the same period: removing it
      // first makes `startDate` count, so the wake-up follows the row's next_at.
      await call(queue.removeJobScheduler(schedulerIdOf(swarmId)));
      await call(
        queue.upsertJobScheduler(
          schedulerIdOf(swarmId),
          { every: periodMs, startDate: firstAt },
          { name: JOB_NAME, data: { swarmId } },
        ),
      );
    },
    async unschedule(swarmId) {
      await call(queue.removeJobScheduler(schedulerIdOf(swarmId)));
    },
    async get(swarmId) {
      const scheduler = await call(queue.getJobScheduler(schedulerIdOf(swarmId)));
      if (!scheduler?.every) return null;
      return { every: Number(scheduler.every), next: scheduler.next ?? null };
    },
    async close() {
      await withTimeout(queue.waitUntilReady(), CLOSE_WAIT_MS, 'the schedule queue').catch(() => undefined);
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}

export interface ScheduleWorker {
  close(): Promise<void>;
}

/**
 * The worker of the schedule queue: hands each wake-up to `handle` (which claims and starts the rotation through the
 * operations layer; jobs/ does not import it). A failing wake-up is logged by the caller; the scheduler goes on.
 */
export function startJoinTokenScheduleWorker(
  options: { redisUrl: string; prefix: string },
  handle: (wakeUp: JoinTokenWakeUp) => Promise<void>,
): ScheduleWorker {
  const connection = new Redis(options.redisUrl, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  connection.on('error', () => undefined);
  const worker = new Worker<JoinTokenWakeUp>(SCHEDULE_QUEUE_NAME, (job) => handle(job.data), {
    connection,
    prefix: options.prefix,
    concurrency: 1,
  });
  worker.on('error', () => undefined);
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

/** What scheduled rotation needs, decorated on the app as `joinTokenSchedule` (src/plugins/app/join-token-schedule.ts). */
export interface JoinTokenSchedule {
  scheduler: JoinTokenScheduler;
  rotations: JoinTokenRotationRepository;
  /** A day in milliseconds (shorter only in tests: SWARMGATE_JOIN_TOKEN_DAY_MS). */
  dayMs: number;
}
