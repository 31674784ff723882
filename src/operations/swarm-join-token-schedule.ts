// What the join-token schedule does when it acts (issue 14): a due periodic rotation, the missed-run catch-up at
// start, and the rotation after a join. Each rotation is the ordinary swarm.joinToken.rotate job, started through
// startJob by the schedule's own principal (sub "schedule", source "schedule"), so the audit says who did it.
import { dueSlackMsOf, periodMsOf, scheduleContext } from '../domain/join-token-rotation.ts';
import type { JobRecord, JoinRole } from '../jobs/types.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { startJob } from './start-job.ts';
import { joinTokenScheduleOf } from './swarm-join-token-rotation-set.ts';

/** A periodic rotation replaces both tokens: a leaked manager token is the worse leak. Workers first. */
export const SCHEDULED_ROLES: readonly JoinRole[] = ['worker', 'manager'];

/** What one wake-up did. */
export type ScheduledRotationOutcome =
  | { rotated: true; jobs: JobRecord[]; nextAt: string }
  | { rotated: false; why: 'not-due' | 'off' | 'unregistered' };

/**
 * Rotates the swarm's tokens if its periodic rotation is due, at most once however many wake-ups and gateways ask at
 * the same time: the conditional update of next_at (claimDue) picks one. `early`: a scheduler's wake-up may come a
 * little before next_at (clocks differ); the start-up catch-up passes false.
 */
export async function swarmJoinTokenScheduledRotation(
  deps: OperationDeps,
  swarmId: string,
  options: { early: boolean } = { early: true },
): Promise<ScheduledRotationOutcome> {
  const schedule = joinTokenScheduleOf(deps);
  const swarm = await deps.registry.findSwarm(null, swarmId);
  const row = swarm ? await schedule.rotations.get(swarmId) : null;
  if (!swarm || row?.everyDays == null) {
    // Unregistered or turned off meanwhile: a scheduler left behind stops here.
    await schedule.scheduler.unschedule(swarmId);
    return { rotated: false, why: swarm ? 'off' : 'unregistered' };
  }
  const periodMs = periodMsOf(row.everyDays, schedule.dayMs);
  const slackMs = options.early ? dueSlackMsOf(periodMs) : 0;
  const claimed = await schedule.rotations.claimDue(swarmId, schedule.dayMs, slackMs, SCHEDULED_ROLES);
  if (!claimed?.nextAt) {
    // Not due: this wake-up is out of phase with next_at (a catch-up rotated meanwhile); the scheduler follows the row.
    if (row.nextAt) await schedule.scheduler.schedule(swarmId, periodMs, new Date(row.nextAt));
    return { rotated: false, why: 'not-due' };
  }
  const jobs = await startPending(deps, swarm);
  // The next wake-up at the row's new next_at: after a catch-up one period from now, not on the old phase.
  await schedule.scheduler.schedule(swarmId, periodMs, new Date(claimed.nextAt));
  return { rotated: true, jobs, nextAt: claimed.nextAt };
}

/**
 * Starts the swarm's claimed rotation's pending roles, holding its row so that no other gateway starts them at the same
 * time. One that cannot start is logged (startJob has audited it) and crossed off too; a gateway dying in between leaves
 * them pending for the next start, whose idempotency keys (the claim's id and the role) find any job already made.
 */
async function startPending(deps: OperationDeps, swarm: SwarmRecord): Promise<JobRecord[]> {
  const started = await joinTokenScheduleOf(deps).rotations.withPending(
    swarm.id,
    async (claimed, crossOff) => {
      const every = claimed.everyDays ?? 0;
      const reason = `scheduled join-token rotation (every ${every} day${every === 1 ? '' : 's'})`;
      const jobs: JobRecord[] = [];
      for (const role of SCHEDULED_ROLES.filter((role) => claimed.pendingRoles.includes(role))) {
        try {
          jobs.push(await startRotation(deps, swarm, role, reason, `schedule:${claimed.claimId}:${role}`));
        } catch (error) {
          deps.log.warn(
            { err: error, swarmId: swarm.id, role },
            'scheduled join-token rotation could not start',
          );
        }
        await crossOff(role);
      }
      return jobs;
    },
  );
  return started ?? [];
}

/**
 * The ordinary rotate job, by the schedule in the swarm's tenant. Not quick: a wake-up (or a join job holding the
 * swarm's lock) must not wait for it. The idempotency key makes a repeated start (a crashed join job run again) find
 * the job it started before.
 */
function startRotation(
  deps: OperationDeps,
  swarm: SwarmRecord,
  role: JoinRole,
  reason: string,
  idempotencyKey: string,
): Promise<JobRecord> {
  return startJob(deps, scheduleContext(swarm.tenant), {
    action: 'swarm.joinToken.rotate',
    swarm: swarm.id,
    input: { role },
    reason,
    reasonRequired: true,
    idempotencyKey,
    role: 'admin',
  });
}

/**
 * At start: every swarm whose next_at passed while no gateway ran rotates once (not once per missed period), and its
 * next_at moves on; schedulers Redis lost are made again from the rows. Returns the swarms rotated.
 */
export async function catchUpJoinTokenRotations(deps: OperationDeps): Promise<string[]> {
  const schedule = joinTokenScheduleOf(deps);
  const rotated: string[] = [];
  // Claimed by a gateway that died before starting every job.
  for (const pending of await schedule.rotations.listPending()) {
    try {
      const swarm = await deps.registry.findSwarm(null, pending.swarmId);
      if (swarm) await startPending(deps, swarm);
    } catch (error) {
      deps.log.warn({ err: error, swarmId: pending.swarmId }, 'pending join-token rotation could not start');
    }
  }
  for (const due of await schedule.rotations.listDue()) {
    try {
      const outcome = await swarmJoinTokenScheduledRotation(deps, due.swarmId, { early: false });
      if (outcome.rotated) rotated.push(due.swarmId);
    } catch (error) {
      deps.log.warn(
        { err: error, swarmId: due.swarmId },
        'missed join-token rotation could not run at start',
      );
    }
  }
  for (const row of await schedule.rotations.listScheduled()) {
    if (!row.everyDays || !row.nextAt || rotated.includes(row.swarmId)) continue;
    if (await schedule.scheduler.get(row.swarmId)) continue;
    await schedule.scheduler.schedule(
      row.swarmId,
      periodMsOf(row.everyDays, schedule.dayMs),
      new Date(row.nextAt),
    );
  }
  return rotated;
}

/**
 * afterJoin: once a join through swarmgate succeeded, the token of the role that joined is rotated by the schedule,
 * as its own audited job naming the join's job in its reason. Never fails the join: a rotation that cannot start is
 * logged (and, when it got as far as the pipeline, audited as failed there).
 */
export async function swarmJoinTokenRotateAfterJoin(
  deps: OperationDeps,
  joinJob: JobRecord,
  role: JoinRole,
): Promise<JobRecord | null> {
  try {
    if (!joinJob.swarmId || !deps.joinTokenSchedule) return null;
    const row = await deps.joinTokenSchedule.rotations.get(joinJob.swarmId);
    if (!row?.afterJoin) return null;
    const swarm = await deps.registry.findSwarm(null, joinJob.swarmId);
    if (!swarm) return null;
    const job = await startRotation(
      deps,
      swarm,
      role,
      `rotated after join job ${joinJob.id} (afterJoin schedule)`,
      `after-join:${joinJob.id}`,
    );
    await deps.joinTokenSchedule.rotations.markRotated(swarm.id);
    return job;
  } catch (error) {
    deps.log.warn(
      { err: error, swarmId: joinJob.swarmId, joinJobId: joinJob.id, role },
      'join-token rotation after a join could not start',
    );
    return null;
  }
}
