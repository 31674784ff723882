// Scheduled join-token rotation (issue 14): decorates `joinTokenSchedule` (the rows, the BullMQ schedulers, the day's
// length) and, where jobs run, the worker of the schedulers' wake-ups and the missed-run catch-up at start.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  createJoinTokenScheduler,
  startJoinTokenScheduleWorker,
  type JoinTokenSchedule,
  type ScheduleWorker,
} from '../../jobs/join-token-scheduler.ts';
import type { JobRecord, JoinRole } from '../../jobs/types.ts';
import { operationDepsOf } from '../../operations/deps.ts';
import {
  catchUpJoinTokenRotations,
  swarmJoinTokenRotateAfterJoin,
  swarmJoinTokenScheduledRotation,
} from '../../operations/swarm-join-token-schedule.ts';
import { createJoinTokenRotationRepository } from '../../registry/join-token-rotation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    joinTokenSchedule: JoinTokenSchedule;
  }
}

export interface JoinTokenSchedulePluginOptions {
  redisUrl: string;
  queuePrefix: string;
  dayMs: number;
  /** Whether this process runs jobs: only then does it take wake-ups and catch up at start. */
  runWorker: boolean;
}

/** The afterJoin hook the job worker calls when a join succeeded (never throws). */
export async function rotateAfterJoin(app: FastifyInstance, job: JobRecord, role: JoinRole): Promise<void> {
  if (!app.hasDecorator('joinTokenSchedule')) return;
  await swarmJoinTokenRotateAfterJoin(operationDepsOf(app), job, role);
}

export default fp<JoinTokenSchedulePluginOptions>(
  (app, options) => {
    const scheduler = createJoinTokenScheduler(options.redisUrl, options.queuePrefix);
    const rotations = createJoinTokenRotationRepository(app.pg);
    app.decorate('joinTokenSchedule', { scheduler, rotations, dayMs: options.dayMs });

    let worker: ScheduleWorker | undefined;
    if (options.runWorker) {
      worker = startJoinTokenScheduleWorker(
        { redisUrl: options.redisUrl, prefix: options.queuePrefix },
        async ({ swarmId }) => {
          try {
            await swarmJoinTokenScheduledRotation(operationDepsOf(app), swarmId);
          } catch (error) {
            app.log.warn({ err: error, swarmId }, 'scheduled join-token rotation failed');
          }
        },
      );
      // A missed schedule runs at start, once; several gateways starting together rotate it once (claimDue).
      app.addHook('onReady', async () => {
        try {
          const rotated = await catchUpJoinTokenRotations(operationDepsOf(app));
          if (rotated.length > 0) app.log.info({ swarms: rotated }, 'missed join-token rotations started');
        } catch (error) {
          app.log.warn({ err: error }, 'missed join-token rotations could not be looked for');
        }
      });
    }
    app.addHook('onClose', async () => {
      await worker?.close();
      await scheduler.close();
    });
    return Promise.resolve();
  },
  { name: 'join-token-schedule', dependencies: ['postgres', 'redis', 'audit', 'registry', 'jobs'] },
);
