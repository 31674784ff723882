// Approvals on PostgreSQL and Redis, without Docker: the policy's checks, a job created AWAITING_APPROVAL and not
// queued, who may approve or reject, the row lock (approvals at once queue a job once), reject and cancel, and an
// approval that expired while no gateway ran, ended by the sweep of the next one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Principal } from '../../../src/auth/principal.ts';
import { operationDepsOf } from '../../../src/operations/deps.ts';
import { startJob } from '../../../src/operations/start-job.ts';
import type { JobRecord } from '../../../src/jobs/types.ts';
import type { SwarmRecord } from '../../../src/registry/repository.ts';
import { buildTestApp, createTestDatabase, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

interface JobAnswer {
  id: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  approvals: {
    required: number;
    role: string;
    given: { sub: string; actors: string[] }[];
    expiresAt: string;
  } | null;
}

/** A token for `sub` in `tenant` with `roles`; `act` makes it a bot's acting for `sub`. */
const as = (sub: string, roles: string[], extra: Record<string, unknown> = {}) =>
  bearer(signToken(claimsFor({ sub, tenant: 'acme', roles, ...extra })));

const ALICE = as('alice', ['operator']);

async function unreachableSwarm(subject: TestApp, name: string, labels: Record<string, string>) {
  const tenant = await subject.app.registry.ensureTenant('acme');
  return subject.app.registry.insertSwarm({
    tenantId: tenant.id,
    name,
    clusterId: `cluster-${name}-${subject.db.name}`,
    labels,
    endpoints: [{ url: 'unix:///nonexistent', platformGranted: true }],
  });
}

/** A job on `swarm` requested by alice (operator) through the same startJob every operation takes. */
function requestRotation(subject: TestApp, swarm: SwarmRecord): Promise<JobRecord> {
  const principal: Principal = { sub: 'alice', tenant: 'acme', roles: ['operator'], actors: [] };
  return startJob(
    operationDepsOf(subject.app),
    { principal, source: 'rest' },
    { action: 'swarm.joinToken.rotate', swarm: swarm.id, input: { role: 'worker' }, role: 'operator' },
  );
}

async function setPolicy(subject: TestApp, rules: unknown[], token = as('root', ['admin'])) {
  return subject.app.inject({
    method: 'PUT',
    url: '/v1/approval-policy',
    headers: token,
    payload: { rules },
  });
}

const decide = (
  subject: TestApp,
  id: string,
  verb: 'approve' | 'reject' | 'cancel',
  headers: object,
  reason?: string,
) =>
  subject.app.inject({
    method: 'POST',
    url: `/v1/jobs/${id}/${verb}`,
    headers: { ...headers },
    payload: reason ? { reason } : {},
  });

async function auditOf(subject: TestApp, where: string, params: unknown[]) {
  const client = new pg.Client({ connectionString: subject.db.url });
  await client.connect();
  try {
    const result = await client.query<{
      action: string;
      phase: string;
      principal_sub: string;
      error_code: string;
    }>(
      `SELECT action, phase, principal_sub, error_code FROM audit_events WHERE ${where} ORDER BY seq`,
      params,
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

describe('approvals without Docker', () => {
  let subject: TestApp;
  let prod: SwarmRecord;
  let dev: SwarmRecord;

  before(async () => {
    // No worker: an approved job stays in the queue, where the test finds it.
    subject = await buildTestApp({ SWARMGATE_WORKER: 'off' });
    prod = await unreachableSwarm(subject, 'prod', { env: 'prod' });
    dev = await unreachableSwarm(subject, 'dev', { env: 'dev' });
  });
  after(() => subject.close());

  test('the policy: admin only, every field checked and named, read back by a viewer, audited', async () => {
    const refusals: [unknown, string][] = [
      [{ action: 'node.explode', approvals: 1 }, 'rules[0].action'],
      [{ action: 'node.demote', approvals: 1, swarmLabel: 'env prod' }, 'rules[0].swarmLabel'],
      [{ action: 'node.demote', approvals: 1, expiresInMinutes: 0 }, 'rules[0].expiresInMinutes'],
      [{ action: 'node.demote', approvals: 6 }, 'approvals'],
      [{ action: 'node.demote', approvals: 1, role: 'platform-admin' }, 'role'],
    ];
    for (const [rule, field] of refusals) {
      const response = await setPolicy(subject, [rule]);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json<{ code: string }>().code, 'BAD_INPUT');
      assert.match(response.body, new RegExp(field.replace(/[[\].]/g, '\\$&')));
    }
    const twice = await setPolicy(subject, [
      { action: 'node.demote', approvals: 1 },
      { action: 'node.demote', approvals: 2 },
    ]);
    assert.equal(twice.statusCode, 400, twice.body);
    assert.match(twice.body, /rules\[1\]\.action/);

    const operator = await setPolicy(subject, [{ action: 'node.demote', approvals: 1 }], ALICE);
    assert.equal(operator.statusCode, 403, operator.body);

    const set = await setPolicy(subject, [
      { action: 'swarm.joinToken.rotate', swarmLabel: 'env=prod', approvals: 2, role: 'operator' },
    ]);
    assert.equal(set.statusCode, 200, set.body);
    const read = await subject.app.inject({
      method: 'GET',
      url: '/v1/approval-policy',
      headers: as('v', ['viewer']),
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json<{ rules: unknown[] }>().rules, [
      {
        action: 'swarm.joinToken.rotate',
        swarmLabel: 'env=prod',
        approvals: 2,
        role: 'operator',
        expiresInMinutes: 60,
      },
    ]);
    assert.equal(read.json<{ updatedBy: string }>().updatedBy, 'root');
    // Another tenant has its own policy: none.
    const other = await subject.app.inject({
      method: 'GET',
      url: '/v1/approval-policy',
      headers: bearer(signToken(claimsFor({ sub: 'x', tenant: 'hooli', roles: ['admin'] }))),
    });
    assert.deepEqual(other.json<{ rules: unknown[] }>().rules, []);
    const events = await auditOf(subject, `action = 'approval.policy.set'`, []);
    assert.ok(events.some((event) => event.phase === 'succeeded' && event.principal_sub === 'root'));
    assert.ok(events.some((event) => event.phase === 'refused' && event.principal_sub === 'alice'));
  });

  test('a job the policy matches waits AWAITING_APPROVAL, not queued; one it does not match is queued', async () => {
    const queued = await requestRotation(subject, dev);
    assert.equal(queued.state, 'queued');
    assert.equal(queued.approval, null);
    assert.equal(await subject.app.jobs.queue.removeWaiting(queued.id), true);

    const awaiting = await requestRotation(subject, prod);
    assert.equal(awaiting.state, 'awaiting_approval');
    assert.equal(awaiting.approval?.required, 2);
    assert.equal(await subject.app.jobs.queue.removeWaiting(awaiting.id), false, 'not in the queue');
    const listed = await subject.app.inject({
      method: 'GET',
      url: '/v1/jobs?state=AWAITING_APPROVAL',
      headers: ALICE,
    });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(
      listed.json<{ items: JobAnswer[] }>().items.map((job) => job.id),
      [awaiting.id],
    );
  });

  test('who may approve: never the requester nor its bot, the rule role, once each, the tenant only', async () => {
    const job = await requestRotation(subject, prod);
    const refused: [object, number, RegExp][] = [
      [ALICE, 403, /alice asked for this job/],
      [as('alice', ['admin'], { act: { sub: 'chatops-bot' } }), 403, /alice asked for this job/],
      [as('mallory', ['operator'], { act: { sub: 'alice' } }), 403, /acts in this token/],
      [as('victor', ['viewer']), 403, /operator role is needed/],
      [bearer(signToken(claimsFor({ sub: 'h', tenant: 'hooli', roles: ['admin'] }))), 404, /not found/i],
    ];
    for (const [token, status, message] of refused) {
      const response = await decide(subject, job.id, 'approve', token);
      assert.equal(response.statusCode, status, response.body);
      assert.match(response.body, message);
    }
    const first = await decide(subject, job.id, 'approve', as('carol', ['operator']), 'looks right');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json<JobAnswer>().state, 'AWAITING_APPROVAL');
    assert.deepEqual(
      first.json<JobAnswer>().approvals?.given.map((given) => given.sub),
      ['carol'],
    );
    const again = await decide(subject, job.id, 'approve', as('carol', ['operator']));
    assert.equal(again.statusCode, 403, again.body);
    assert.match(again.body, /already approved/);

    const second = await decide(subject, job.id, 'approve', as('dave', ['admin']));
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json<JobAnswer>().state, 'QUEUED');
    assert.equal(await subject.app.jobs.queue.removeWaiting(job.id), true, 'queued in BullMQ');
    const late = await decide(subject, job.id, 'approve', as('erin', ['admin']));
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json<{ code: string }>().code, 'CONFLICT');
    const events = await auditOf(
      subject,
      `action = 'job.approve' AND phase <> 'requested' AND target->>'jobId' = $1`,
      [job.id],
    );
    assert.deepEqual(
      events.map((event) => [event.principal_sub, event.phase]),
      [
        ['alice', 'refused'],
        ['alice', 'refused'],
        ['mallory', 'refused'],
        ['victor', 'refused'],
        ['carol', 'succeeded'],
        ['carol', 'refused'],
        ['dave', 'succeeded'],
        ['erin', 'refused'],
      ],
    );
  });

  test('approvals at once: the row lock counts each, queues the job once, refuses the one too many', async () => {
    const job = await requestRotation(subject, prod);
    const answers = await Promise.all(
      ['p1', 'p2', 'p3', 'p4'].map((sub) => decide(subject, job.id, 'approve', as(sub, ['operator']))),
    );
    const statuses = answers.map((answer) => answer.statusCode).sort();
    assert.deepEqual(statuses, [200, 200, 409, 409], answers.map((answer) => answer.body).join('\n'));
    const stored = await subject.app.jobs.repository.get(job.id);
    assert.equal(stored?.state, 'queued');
    assert.equal(stored?.approval?.given.length, 2);
    assert.equal(await subject.app.jobs.queue.removeWaiting(job.id), true);
  });

  test('reject ends the job CANCELLED (FORBIDDEN, refused) naming who and why; cancel ends an awaiting job', async () => {
    const job = await requestRotation(subject, prod);
    const own = await decide(subject, job.id, 'reject', ALICE);
    assert.equal(own.statusCode, 403, own.body);
    const rejected = await decide(
      subject,
      job.id,
      'reject',
      as('carol', ['operator']),
      'not during the sale',
    );
    assert.equal(rejected.statusCode, 200, rejected.body);
    const answer = rejected.json<JobAnswer>();
    assert.equal(answer.state, 'CANCELLED');
    assert.equal(answer.errorCode, 'FORBIDDEN');
    assert.equal(answer.errorMessage, 'rejected by carol: not during the sale');
    const outcome = await auditOf(subject, `job_id = $1 AND phase <> 'requested'`, [job.id]);
    assert.deepEqual(
      outcome.map((event) => [event.action, event.phase, event.error_code]),
      [
        ['swarm.joinToken.rotate', 'refused', 'FORBIDDEN'],
        ['job.reject', 'succeeded', null],
      ],
    );
    const twice = await decide(subject, job.id, 'approve', as('dave', ['operator']));
    assert.equal(twice.statusCode, 409, twice.body);

    const cancelled = await requestRotation(subject, prod);
    const cancel = await decide(subject, cancelled.id, 'cancel', ALICE);
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.equal(cancel.json<JobAnswer>().state, 'CANCELLED');
    assert.equal(cancel.json<JobAnswer>().errorCode, 'CANCELLED');
  });
});

test('an approval that expired while no gateway ran: the next gateway’s sweep ends the job, audited', async () => {
  const db = await createTestDatabase();
  const first = await buildTestApp({ SWARMGATE_WORKER: 'off' }, { database: db });
  let job: JobRecord;
  try {
    const swarm = await unreachableSwarm(first, 'prod', { env: 'prod' });
    const set = await setPolicy(first, [
      { action: 'swarm.joinToken.rotate', approvals: 1, expiresInMinutes: 0.05 },
    ]);
    assert.equal(set.statusCode, 200, set.body);
    job = await requestRotation(first, swarm);
    assert.equal(job.state, 'awaiting_approval');
  } finally {
    await first.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const second = await buildTestApp({ SWARMGATE_WORKER: 'inline' }, { database: db });
  try {
    let current = await second.app.jobs.repository.get(job.id);
    for (let i = 0; i < 50 && current?.state === 'awaiting_approval'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = await second.app.jobs.repository.get(job.id);
    }
    assert.equal(current?.state, 'cancelled');
    assert.equal(current?.errorCode, 'CANCELLED');
    assert.match(current?.errorMessage ?? '', /^approval expired at .* with 0 of 1 approvals$/);
    const outcome = await auditOf(second, `job_id = $1 AND phase <> 'requested'`, [job.id]);
    assert.deepEqual(
      outcome.map((event) => [event.phase, event.error_code]),
      [['failed', 'CANCELLED']],
    );
  } finally {
    await second.close();
    await db.drop();
  }
});
