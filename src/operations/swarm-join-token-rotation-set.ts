// setJoinTokenRotation: a swarm's scheduled join-token rotation (admin, audited as swarm.joinToken.schedule): every N
// days, and/or after every join through swarmgate. The row is stored first, then the BullMQ scheduler follows it.
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import {
  joinTokenRotationOf,
  periodMsOf,
  type JoinTokenRotationInput,
} from '../domain/join-token-rotation.ts';
import { swarmLocator } from '../domain/swarm-registration.ts';
import { GatewayError } from '../errors.ts';
import type { JoinTokenSchedule } from '../jobs/join-token-scheduler.ts';
import { joinTokenRotationView, type JoinTokenRotationView } from '../queries/join-token-rotation-queries.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';

export interface SwarmJoinTokenRotationSetInput extends JoinTokenRotationInput {
  /** Swarm id or name. */
  swarm: string;
  reason?: string | null | undefined;
  /** Taken for symmetry with the other mutations: setting a schedule is idempotent by itself. */
  idempotencyKey?: string | null | undefined;
}

/** The schedule's parts, or QUEUE_UNAVAILABLE: a gateway built without them cannot schedule anything. */
export function joinTokenScheduleOf(deps: OperationDeps): JoinTokenSchedule {
  if (!deps.joinTokenSchedule) {
    throw new GatewayError(
      'QUEUE_UNAVAILABLE',
      'join-token rotation schedules are not available in this gateway',
    );
  }
  return deps.joinTokenSchedule;
}

export function swarmJoinTokenRotationSet(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmJoinTokenRotationSetInput,
): Promise<JoinTokenRotationView> {
  let swarm: SwarmRecord;
  return runOperation(deps, ctx, {
    action: 'swarm.joinToken.schedule',
    parameters: {
      swarm: input.swarm,
      everyDays: input.everyDays ?? null,
      afterJoin: input.afterJoin ?? false,
    },
    reason: input.reason,
    locate: swarmLocator(deps, ctx.principal, input.swarm, (found) => (swarm = found)),
    execute: async () => {
      requireRole(ctx.principal, 'admin', "set a swarm's join-token rotation");
      const setting = joinTokenRotationOf(input);
      const schedule = joinTokenScheduleOf(deps);
      const periodMs = setting.everyDays === null ? null : periodMsOf(setting.everyDays, schedule.dayMs);
      const stored = await schedule.rotations.set(swarm.id, setting, periodMs);
      // Redis refusing here fails the operation (QUEUE_UNAVAILABLE) with the row already stored: the start-up of any
      // worker re-creates missing schedulers from the rows, and the admin may simply set it again.
      if (periodMs !== null && stored.nextAt) {
        await schedule.scheduler.schedule(swarm.id, periodMs, new Date(stored.nextAt));
      } else {
        await schedule.scheduler.unschedule(swarm.id);
      }
      return joinTokenRotationView(stored);
    },
    summarize: (view) => ({ result: { schedule: view } }),
  });
}
