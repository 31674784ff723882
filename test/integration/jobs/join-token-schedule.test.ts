// Scheduled join-token rotation without engines (PostgreSQL + Redis): the BullMQ scheduler follows the setting, a
// missed rotation runs once at start however many gateways start, a wake-up rotates by the schedule, and the
// setting is checked and tenant-scoped. The swarms' only endpoint does not exist: the rotate jobs the schedule
// starts fail (SWARM_UNREACHABLE), which is not what these tests look at; test/lab/operations/join-token-rotation
// rotates beta's real tokens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { SwarmRecord } from '../../../src/registry/repository.ts';
import { buildTestApp, createTestDatabase, type TestApp } from '../../helper.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { assertProblem, bearer } from '../../helpers/tokens.ts';

const DAY_MS = 24 * 3600 * 1000;

const SET = `mutation ($input: SetJoinTokenRotationInput!) {
  setJoinTokenRotation(input: $input) { everyDays afterJoin lastRotatedAt nextAt }
}`;
const READ = `query ($id: String!) { swarm(id: $id) { joinTokenRotation { everyDays afterJoin lastRotatedAt nextAt } } }`;

interface Rotation {
  everyDays: number | null;
  afterJoin: boolean;
  lastRotatedAt: string | null;
  nextAt: string | null;
}

const admin = tokenFor('acme', ['admin']);
const operator = tokenFor('acme', ['operator']);
const viewer = tokenFor('acme', ['viewer']);
const otherAdmin = tokenFor('hooli', ['admin']);

let counter = 0;

/** A swarm registered straight in the registry: its only endpoint is a unix socket that does not exist. */
async function deadSwarm(subject: TestApp, tenant = 'acme'): Promise<SwarmRecord> {
  const name = `sgS-dead-${++counter}`;
  const record = await subject.app.registry.ensureTenant(tenant);
  return subject.app.registry.insertSwarm({
    tenantId: record.id,
    name,
    clusterId: `cluster-sgS-${Date.now()}-${counter}`,
    labels: {},
    endpoints: [{ url: 'unix:///nonexistent', platformGranted: true }],
  });
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The rotate jobs the schedule started for a swarm, oldest first. */
const scheduleJobs = (url: string, swarmId: string) =>
  query<{ id: string; type: string; source: string; reason: string; parameters: { role: string } }>(
    url,
    `SELECT id, type, source, reason, parameters FROM jobs
      WHERE swarm_id = $1 AND principal_sub = 'schedule' ORDER BY created_at, id`,
    [swarmId],
  );

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('setJoinTokenRotation: the setting and its scheduler', () => {
  let subject: TestApp;
  before(async () => {
    subject = await buildTestApp();
  });
  after(() => subject?.close());

  test('admin sets every 7 days: stored, audited, and a BullMQ scheduler of 7 days wakes at nextAt', async () => {
    const swarm = await deadSwarm(subject);
    const before = Date.now();
    const set = dataOf(
      await gql<{ setJoinTokenRotation: Rotation }>(subject.app, admin, SET, {
        input: { swarm: swarm.name, everyDays: 7, afterJoin: true, reason: 'policy: weekly rotation' },
      }),
    ).setJoinTokenRotation;
    assert.equal(set.everyDays, 7);
    assert.equal(set.afterJoin, true);
    assert.equal(set.lastRotatedAt, null);
    const nextAt = Date.parse(set.nextAt ?? '');
    assert.ok(Math.abs(nextAt - (before + 7 * DAY_MS)) < 60_000, `nextAt ${set.nextAt}`);

    const scheduler = await subject.app.joinTokenSchedule.scheduler.get(swarm.id);
    assert.ok(scheduler, 'a scheduler exists');
    assert.equal(scheduler.every, 7 * DAY_MS);
    assert.ok(scheduler.next !== null && Math.abs(scheduler.next - nextAt) < 1000, `next ${scheduler.next}`);

    const read = dataOf(
      await gql<{ swarm: { joinTokenRotation: Rotation } }>(subject.app, viewer, READ, { id: swarm.name }),
    );
    assert.deepEqual(read.swarm.joinTokenRotation, set);
    const rest = await subject.app.inject({
      method: 'GET',
      url: `/v1/swarms/${swarm.name}/join-token-rotation`,
      headers: bearer(viewer),
    });
    assert.equal(rest.statusCode, 200, rest.body);
    assert.deepEqual(rest.json(), set);

    const events = await query<{ phase: string; principal_sub: string; parameters: Record<string, unknown> }>(
      subject.db.url,
      `SELECT phase, principal_sub, parameters FROM audit_events
        WHERE action = 'swarm.joinToken.schedule' AND swarm_id = $1 ORDER BY seq`,
      [swarm.id],
    );
    assert.deepEqual(
      events.map((event) => event.phase),
      ['requested', 'succeeded'],
    );
    assert.equal(events[0]!.principal_sub, 'acme-admin');
    assert.equal(events[0]!.parameters.everyDays, 7);

    // The same period again keeps nextAt; another period starts from now.
    const again = dataOf(
      await gql<{ setJoinTokenRotation: Rotation }>(subject.app, admin, SET, {
        input: { swarm: swarm.id, everyDays: 7, afterJoin: false },
      }),
    ).setJoinTokenRotation;
    assert.equal(again.nextAt, set.nextAt);
    assert.equal(again.afterJoin, false);
    const daily = await subject.app.inject({
      method: 'PUT',
      url: `/v1/swarms/${swarm.name}/join-token-rotation`,
      headers: bearer(admin),
      payload: { everyDays: 1 },
    });
    assert.equal(daily.statusCode, 200, daily.body);
    assert.equal(daily.json<Rotation>().everyDays, 1);
    assert.equal((await subject.app.joinTokenSchedule.scheduler.get(swarm.id))?.every, DAY_MS);
  });

  test('turning it off (0 or null) removes the scheduler; unregistering the swarm removes it too', async () => {
    const swarm = await deadSwarm(subject);
    const on = { swarm: swarm.name, everyDays: 30 };
    dataOf(await gql(subject.app, admin, SET, { input: on }));
    assert.ok(await subject.app.joinTokenSchedule.scheduler.get(swarm.id));
    const off = dataOf(
      await gql<{ setJoinTokenRotation: Rotation }>(subject.app, admin, SET, {
        input: { swarm: swarm.name, everyDays: 0, afterJoin: true },
      }),
    ).setJoinTokenRotation;
    assert.deepEqual(
      { everyDays: off.everyDays, nextAt: off.nextAt, afterJoin: off.afterJoin },
      {
        everyDays: null,
        nextAt: null,
        afterJoin: true,
      },
    );
    assert.equal(await subject.app.joinTokenSchedule.scheduler.get(swarm.id), null);

    dataOf(await gql(subject.app, admin, SET, { input: on }));
    assert.ok(await subject.app.joinTokenSchedule.scheduler.get(swarm.id));
    dataOf(await gql(subject.app, admin, SET, { input: { swarm: swarm.name, everyDays: null } }));
    assert.equal(await subject.app.joinTokenSchedule.scheduler.get(swarm.id), null);

    dataOf(await gql(subject.app, admin, SET, { input: on }));
    const unregistered = await subject.app.inject({
      method: 'DELETE',
      url: `/v1/swarms/${swarm.name}`,
      headers: bearer(admin),
      payload: { reason: 'decommissioned' },
    });
    assert.ok([200, 204].includes(unregistered.statusCode), unregistered.body);
    assert.equal(await subject.app.joinTokenSchedule.scheduler.get(swarm.id), null);
    const rows = await query(subject.db.url, 'SELECT 1 FROM join_token_rotations WHERE swarm_id = $1', [
      swarm.id,
    ]);
    assert.equal(rows.length, 0);
  });

  test('validation: everyDays outside 0..365 or not whole is BAD_INPUT naming it; unknown fields are refused', async () => {
    const swarm = await deadSwarm(subject);
    for (const everyDays of [366, -1]) {
      const answer = await gql(subject.app, admin, SET, { input: { swarm: swarm.name, everyDays } });
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(answer.errors));
      assert.match(answer.errors[0].message, /everyDays/);
    }
    const fraction = await gql(subject.app, admin, SET, { input: { swarm: swarm.name, everyDays: 1.5 } });
    assert.equal(fraction.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(fraction.errors));
    for (const payload of [
      { everyDays: 400 },
      { everyDays: 2.5 },
      { everyDays: -3 },
      { afterJoin: 'sometimes' },
      { sometimes: true },
    ]) {
      const response = await subject.app.inject({
        method: 'PUT',
        url: `/v1/swarms/${swarm.name}/join-token-rotation`,
        headers: bearer(admin),
        payload,
      });
      assertProblem(response, { status: 400, code: 'BAD_INPUT' });
    }
    assert.equal(await subject.app.joinTokenSchedule.scheduler.get(swarm.id), null);
  });

  test('an operator is FORBIDDEN (audited refused); another tenant gets NOT_FOUND by both doors', async () => {
    const swarm = await deadSwarm(subject);
    const refused = await gql(subject.app, operator, SET, { input: { swarm: swarm.name, everyDays: 7 } });
    assert.equal(refused.errors?.[0]?.extensions.code, 'FORBIDDEN');
    const events = await query<{ phase: string }>(
      subject.db.url,
      `SELECT phase FROM audit_events WHERE action = 'swarm.joinToken.schedule' AND swarm_id = $1 ORDER BY seq`,
      [swarm.id],
    );
    assert.deepEqual(
      events.map((event) => event.phase),
      ['requested', 'refused'],
    );
    const theirs = await gql(subject.app, otherAdmin, SET, { input: { swarm: swarm.name, everyDays: 7 } });
    assert.equal(theirs.errors?.[0]?.extensions.code, 'NOT_FOUND');
    assert.ok(!JSON.stringify(theirs.errors).includes(swarm.id));
    for (const method of ['GET', 'PUT'] as const) {
      const response = await subject.app.inject({
        method,
        url: `/v1/swarms/${swarm.id}/join-token-rotation`,
        headers: bearer(otherAdmin),
        ...(method === 'PUT' ? { payload: { everyDays: 7 } } : {}),
      });
      assertProblem(response, { status: 404, code: 'NOT_FOUND' });
    }
    assert.equal(await subject.app.joinTokenSchedule.scheduler.get(swarm.id), null);
  });
});

describe('a missed rotation runs at start', () => {
  test('nextAt in the past: two gateways starting together rotate once (worker and manager), and nextAt moves on', async () => {
    const db = await createTestDatabase();
    const first = await buildTestApp({}, { database: db });
    let gateways: TestApp[] = [];
    let swarm: SwarmRecord;
    try {
      swarm = await deadSwarm(first);
      dataOf(await gql(first.app, admin, SET, { input: { swarm: swarm.name, everyDays: 2 } }));
      await first.close();
      // Down for a week: three periods missed.
      await query(
        db.url,
        `UPDATE join_token_rotations SET next_at = now() - interval '5 days' WHERE swarm_id = $1`,
        [swarm.id],
      );
      const startedAt = Date.now();
      gateways = await Promise.all([buildTestApp({}, { database: db }), buildTestApp({}, { database: db })]);

      const jobs = await scheduleJobs(db.url, swarm.id);
      assert.deepEqual(
        jobs.map((job) => `${job.type}:${job.parameters.role}`),
        ['swarm.joinToken.rotate:worker', 'swarm.joinToken.rotate:manager'],
      );
      assert.ok(jobs.every((job) => job.source === 'schedule' && /scheduled/.test(job.reason)));
      const [row] = await query<{ next_at: Date; last_rotated_at: Date }>(
        db.url,
        'SELECT next_at, last_rotated_at FROM join_token_rotations WHERE swarm_id = $1',
        [swarm.id],
      );
      assert.ok(row!.last_rotated_at.getTime() >= startedAt - 5000);
      assert.ok(Math.abs(row!.next_at.getTime() - (row!.last_rotated_at.getTime() + 2 * DAY_MS)) < 1000);
      const scheduler = await gateways[0]!.app.joinTokenSchedule.scheduler.get(swarm.id);
      assert.ok(scheduler && Math.abs((scheduler.next ?? 0) - row!.next_at.getTime()) < 1000);

      // The audit names the schedule as the actor of each rotation.
      const requested = await query<{ principal_sub: string; source: string; roles: string[] }>(
        db.url,
        `SELECT principal_sub, source, roles FROM audit_events
          WHERE action = 'swarm.joinToken.rotate' AND phase = 'requested' AND swarm_id = $1`,
        [swarm.id],
      );
      assert.equal(requested.length, 2);
      assert.ok(
        requested.every((event) => event.principal_sub === 'schedule' && event.source === 'schedule'),
      );

      // A third gateway starting later finds nothing due.
      const third = await buildTestApp({}, { database: db });
      gateways.push(third);
      assert.equal((await scheduleJobs(db.url, swarm.id)).length, 2);
    } finally {
      for (const gateway of gateways) await gateway.close();
      await db.drop();
    }
  });
});

describe('a rotation claimed by a gateway that died before starting its jobs', () => {
  test('the next start starts the pending role once, under the claim’s idempotency key', async () => {
    const db = await createTestDatabase();
    const gateways: TestApp[] = [];
    const start = async () => {
      const gateway = await buildTestApp({}, { database: db });
      gateways.push(gateway);
      return gateway;
    };
    try {
      const first = await start();
      const swarm = await deadSwarm(first);
      dataOf(await gql(first.app, admin, SET, { input: { swarm: swarm.name, everyDays: 3 } }));
      // As claimDue left it when the gateway died after starting the worker's job but not the manager's.
      const [claim] = await query<{ claim_id: string }>(
        db.url,
        `UPDATE join_token_rotations SET pending_roles = '{manager}', claim_id = gen_random_uuid(),
           last_rotated_at = now() WHERE swarm_id = $1 RETURNING claim_id`,
        [swarm.id],
      );
      await start();
      const keys = async () =>
        (
          await query<{ idempotency_key: string }>(
            db.url,
            `SELECT idempotency_key FROM jobs WHERE swarm_id = $1 AND principal_sub = 'schedule' ORDER BY created_at`,
            [swarm.id],
          )
        ).map((row) => row.idempotency_key);
      assert.deepEqual(await keys(), [`schedule:${claim!.claim_id}:manager`]);
      const [row] = await query<{ pending_roles: string[] }>(
        db.url,
        'SELECT pending_roles FROM join_token_rotations WHERE swarm_id = $1',
        [swarm.id],
      );
      assert.deepEqual(row!.pending_roles, []);

      // Died again after the job was made but before it was crossed off: the key finds that job, none is added.
      await query(db.url, `UPDATE join_token_rotations SET pending_roles = '{manager}' WHERE swarm_id = $1`, [
        swarm.id,
      ]);
      await start();
      assert.deepEqual(await keys(), [`schedule:${claim!.claim_id}:manager`]);
    } finally {
      for (const gateway of gateways) await gateway.close();
      await db.drop();
    }
  });
});

describe('the scheduler wakes a worker up every period (a test day of 1 s)', () => {
  let subject: TestApp;
  before(async () => {
    subject = await buildTestApp({ SWARMGATE_JOIN_TOKEN_DAY_MS: '1000' });
  });
  after(() => subject?.close());

  test('every day rotates both tokens by the schedule; turned off, it stops', async () => {
    const swarm = await deadSwarm(subject);
    dataOf(await gql(subject.app, admin, SET, { input: { swarm: swarm.name, everyDays: 1 } }));
    const jobs = await eventually(
      () => scheduleJobs(subject.db.url, swarm.id),
      (rows) => rows.length >= 4,
      8000,
    );
    assert.ok(jobs.length >= 4, `jobs after two periods: ${jobs.length}`);
    assert.deepEqual(
      jobs.slice(0, 4).map((job) => job.parameters.role),
      ['worker', 'manager', 'worker', 'manager'],
    );
    dataOf(await gql(subject.app, admin, SET, { input: { swarm: swarm.name, everyDays: 0 } }));
    const count = (await scheduleJobs(subject.db.url, swarm.id)).length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal((await scheduleJobs(subject.db.url, swarm.id)).length, count);
  });
});
