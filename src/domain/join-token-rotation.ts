// Rules of scheduled join-token rotation (issue 14): what a schedule may be, how long its period is, and who the
// schedule is when it acts (a system principal, so that the audit says the schedule rotated, not a person).
import type { Principal } from '../auth/principal.ts';
import type { OperationContext } from '../audit/types.ts';
import { badInput } from '../errors.ts';
import type { JoinTokenRotationSetting } from '../registry/join-token-rotation.ts';

/** A day; SWARMGATE_JOIN_TOKEN_DAY_MS shortens it for tests only. */
export const DAY_MS = 24 * 3600 * 1000;
export const MAX_EVERY_DAYS = 365;

/** The `sub` (and the audit's source) of every change the schedule makes. */
export const SCHEDULE_SUB = 'schedule';

export interface JoinTokenRotationInput {
  /** null or 0: no periodic rotation; else 1 to 365. */
  everyDays?: number | null | undefined;
  afterJoin?: boolean | null | undefined;
}

export type { JoinTokenRotationSetting };

/** The setting as stored: 0 means off, like null; anything but a whole number of days in 1..365 is BAD_INPUT. */
export function joinTokenRotationOf(input: JoinTokenRotationInput): JoinTokenRotationSetting {
  const everyDays = input.everyDays ?? 0;
  if (!Number.isInteger(everyDays) || everyDays < 0 || everyDays > MAX_EVERY_DAYS) {
    throw badInput(
      `everyDays must be a whole number from 1 to ${MAX_EVERY_DAYS}, or 0 or null to turn it off`,
      {
        field: 'everyDays',
      },
    );
  }
  if (input.afterJoin !== undefined && input.afterJoin !== null && typeof input.afterJoin !== 'boolean') {
    throw badInput('afterJoin must be true or false', { field: 'afterJoin' });
  }
  return { everyDays: everyDays === 0 ? null : everyDays, afterJoin: input.afterJoin ?? false };
}

/** The period of a schedule of `everyDays` days, in milliseconds. */
export const periodMsOf = (everyDays: number, dayMs: number = DAY_MS): number => everyDays * dayMs;

/**
 * How early a scheduler's wake-up may come and still count as due: clocks of Redis, PostgreSQL and the worker differ a
 * little. A twentieth of the period, at most a minute.
 */
export const dueSlackMsOf = (periodMs: number): number => Math.min(60_000, Math.floor(periodMs / 20));

/**
 * The schedule acting in the swarm's tenant: an admin there (rotating a token needs admin), and nothing elsewhere.
 * Its requests name no client address: nobody called.
 */
export function scheduleContext(tenant: string): OperationContext {
  const principal: Principal = { sub: SCHEDULE_SUB, tenant, roles: ['admin'], actors: [] };
  return { principal, source: 'schedule' };
}
