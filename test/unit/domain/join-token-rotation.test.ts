// The rules of scheduled join-token rotation: what a schedule may be, its period and slack, and who the schedule is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DAY_MS,
  dueSlackMsOf,
  joinTokenRotationOf,
  periodMsOf,
  scheduleContext,
} from '../../../src/domain/join-token-rotation.ts';
import { GatewayError } from '../../../src/errors.ts';

test('everyDays 1..365 is kept; 0 and null turn the period off; afterJoin defaults to false', () => {
  assert.deepEqual(joinTokenRotationOf({ everyDays: 1 }), { everyDays: 1, afterJoin: false });
  assert.deepEqual(joinTokenRotationOf({ everyDays: 365, afterJoin: true }), {
    everyDays: 365,
    afterJoin: true,
  });
  assert.deepEqual(joinTokenRotationOf({ everyDays: 0, afterJoin: true }), {
    everyDays: null,
    afterJoin: true,
  });
  assert.deepEqual(joinTokenRotationOf({ everyDays: null }), { everyDays: null, afterJoin: false });
  assert.deepEqual(joinTokenRotationOf({}), { everyDays: null, afterJoin: false });
});

test('anything else is BAD_INPUT naming the field', () => {
  for (const everyDays of [-1, 366, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => joinTokenRotationOf({ everyDays }),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === 'BAD_INPUT' &&
        /everyDays/.test(error.message) &&
        error.details?.field === 'everyDays',
    );
  }
  assert.throws(
    () => joinTokenRotationOf({ everyDays: 1, afterJoin: 'yes' as unknown as boolean }),
    (error: unknown) =>
      error instanceof GatewayError && error.code === 'BAD_INPUT' && /afterJoin/.test(error.message),
  );
});

test('the period is days times the day; a wake-up may come a twentieth of it early, a minute at most', () => {
  assert.equal(periodMsOf(7), 7 * DAY_MS);
  assert.equal(periodMsOf(2, 1000), 2000);
  assert.equal(dueSlackMsOf(periodMsOf(1)), 60_000);
  assert.equal(dueSlackMsOf(1000), 50);
});

test('the schedule acts as admin of the swarm’s tenant only, through its own source, with no actor chain', () => {
  const ctx = scheduleContext('blue');
  assert.deepEqual(ctx.principal, { sub: 'schedule', tenant: 'blue', roles: ['admin'], actors: [] });
  assert.equal(ctx.source, 'schedule');
  assert.equal(ctx.clientAddress, undefined);
});
