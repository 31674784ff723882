// Approvals on the lab (beta, tenant blue): a label change the policy names waits AWAITING_APPROVAL with nothing
// changed on the node; the requester and its bot may not approve it, another tenant does not find it, another admin
// queues it and it runs; subscribers see each step; reject and expiry end it with nothing changed; every step is
// audited; both doors. The sgQ- labels are removed at the end.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { isolatedRedisUrl, untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, nodeByHostname } from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const NODE = 'beta-w1';
const KEY = 'sgQ-zone';
const JOB =
  'id type state errorCode errorMessage operationId approvals { required role given { sub actors } expiresAt }';

interface Job {
  id: string;
  type: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  operationId: string;
  approvals: {
    required: number;
    role: string;
    given: { sub: string; actors: string[] }[];
    expiresAt: string;
  } | null;
}

let lab: RedBlue;
let url: string;
const alice = tokenFor('blue', ['operator'], { sub: 'alice' });
// The bot's token has the admin role: what refuses it is whom it acts for.
const aliceBot = tokenFor('blue', ['admin'], { sub: 'alice', act: { sub: 'chatops-bot' } });
const bob = tokenFor('blue', ['admin'], { sub: 'bob' });
const carol = tokenFor('blue', ['admin'], { sub: 'carol' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const manager = () => dockerFor(labEngine(lab.inventory, 'beta-m1'));
const labelsOfNode = async () => (await nodeByHostname(manager(), NODE, 'beta')).Spec.Labels ?? {};

/** Removes every sgQ- label of beta-w1 straight through Docker (also when a test failed half-way). */
async function removeOurLabels(): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const node = await nodeByHostname(manager(), NODE, 'beta');
    const labels = Object.fromEntries(
      Object.entries(node.Spec.Labels ?? {}).filter(([key]) => !key.startsWith('sgQ-')),
    );
    if (Object.keys(labels).length === Object.keys(node.Spec.Labels ?? {}).length) return;
    try {
      await manager()
        .getNode(node.ID)
        .update({ version: node.Version.Index, ...node.Spec, Labels: labels });
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

async function setPolicy(rules: unknown[]): Promise<void> {
  const answer = await gql(
    lab.app,
    bob,
    'mutation ($input: SetApprovalPolicyInput!) { setApprovalPolicy(input: $input) { rules { action } } }',
    {
      input: { rules, reason: 'approvals test' },
    },
  );
  dataOf(answer);
}

/** alice asks through GraphQL to add sgQ-zone=<value> to beta-w1. */
async function askForLabel(value: string, token = alice): Promise<Job> {
  const answer = await gql<{ updateNodeLabels: Job }>(
    lab.app,
    token,
    `mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { ${JOB} } }`,
    {
      input: { swarm: 'beta', node: NODE, add: [{ key: KEY, value }], reason: 'zone for the approvals test' },
    },
  );
  return dataOf(answer).updateNodeLabels;
}

const approveGql = (token: string, id: string) =>
  gql<{ approveJob: Job }>(
    lab.app,
    token,
    `mutation ($input: JobDecisionInput!) { approveJob(input: $input) { ${JOB} } }`,
    {
      input: { id, reason: 'checked' },
    },
  );

const decideRest = (token: string, id: string, verb: 'approve' | 'reject', reason?: string) =>
  lab.app.inject({
    method: 'POST',
    url: `/v1/jobs/${id}/${verb}`,
    headers: bearer(token),
    payload: reason ? { reason } : {},
  });

const waitForJob = (id: string): Promise<Job> =>
  untilJobEnds<Job>(lab.app, alice, JOB, id, { timeoutMs: 60_000, intervalMs: 200 });

/** Subscribes (as `token`) to jobUpdated(id) and records every state published. */
async function watchJob(id: string, token: string) {
  const socket = await GraphqlWsClient.open(url);
  await socket.init({ authorization: `Bearer ${token}` });
  socket.subscribe('job', `subscription ($id: ID!) { jobUpdated(id: $id) { ${JOB} } }`, { id });
  // The server registers the subscription after it read the message: a pause, so no update is published before.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    states: () => socket.data<{ jobUpdated: Job }>('job').map((data) => data.jobUpdated.state),
    until: (state: string) =>
      socket.nextData<{ jobUpdated: Job }>('job', (data) => data.jobUpdated.state === state, 30_000),
    close: () => socket.terminate(),
  };
}

interface AuditItem {
  outcome: string;
  action: string;
  errorCode: string | null;
  actor: { sub: string; actors: string[] };
}

async function auditOf(filter: Record<string, string>): Promise<AuditItem[]> {
  const answer = await gql<{ auditEvents: { items: AuditItem[] } }>(
    lab.app,
    bob,
    `query ($filter: AuditFilter) { auditEvents(filter: $filter, first: 200) { items { outcome action errorCode actor { sub actors } } } }`,
    { filter },
  );
  return dataOf(answer).auditEvents.items.reverse();
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
  await removeOurLabels();
});

after(async () => {
  try {
    await removeOurLabels();
  } finally {
    await lab?.subject.close();
  }
});

test('GraphQL: the change waits for approval, not alice nor her bot, not another tenant; bob queues it and it runs', async (t) => {
  await setPolicy([{ action: 'node.labels.update', approvals: 1 }]);
  const job = await askForLabel('a');
  assert.equal(job.state, 'AWAITING_APPROVAL');
  assert.equal(job.approvals?.required, 1);
  assert.equal(job.approvals?.role, 'admin');
  assert.deepEqual(job.approvals?.given, []);
  assert.equal((await labelsOfNode())[KEY], undefined, 'nothing changed on the node');
  const listed = dataOf(
    await gql<{ jobs: { items: { id: string }[] } }>(
      lab.app,
      bob,
      '{ jobs(filter: { state: AWAITING_APPROVAL }) { items { id } } }',
    ),
  ).jobs.items.map((item) => item.id);
  assert.deepEqual(listed, [job.id]);

  const watch = await watchJob(job.id, bob);
  t.after(() => watch.close());

  const own = await approveGql(alice, job.id);
  assert.equal(own.errors?.[0]?.extensions.code, 'FORBIDDEN');
  assert.match(own.errors?.[0]?.message ?? '', /alice asked for this job and cannot approve/);
  const bot = await approveGql(aliceBot, job.id);
  assert.equal(bot.errors?.[0]?.extensions.code, 'FORBIDDEN');
  assert.match(bot.errors?.[0]?.message ?? '', /through chatops-bot/);
  const red = await approveGql(lab.tokens.redAdmin, job.id);
  assert.equal(red.errors?.[0]?.extensions.code, 'NOT_FOUND');
  assert.equal((await labelsOfNode())[KEY], undefined, 'still nothing changed');

  const approved = dataOf(await approveGql(bob, job.id)).approveJob;
  assert.equal(approved.state, 'QUEUED');
  assert.deepEqual(approved.approvals?.given, [{ sub: 'bob', actors: [] }]);
  const ended = await waitForJob(job.id);
  assert.equal(ended.state, 'SUCCEEDED', JSON.stringify(ended));
  assert.equal((await labelsOfNode())[KEY], 'a');
  await watch.until('SUCCEEDED');
  assert.deepEqual(
    watch.states().filter((state, index, all) => all[index - 1] !== state),
    ['QUEUED', 'RUNNING', 'SUCCEEDED'],
  );

  // The change's own events (requested by alice, succeeded by its worker) and each decision's.
  const change = await auditOf({ operationId: job.operationId });
  assert.deepEqual(
    change.map((event) => [event.action, event.outcome, event.actor.sub]),
    [
      ['node.labels.update', 'REQUESTED', 'alice'],
      ['node.labels.update', 'SUCCEEDED', 'alice'],
    ],
  );
  const decisions = (await auditOf({ action: 'job.approve' })).filter(
    (event) => event.outcome !== 'REQUESTED',
  );
  assert.deepEqual(
    decisions.map((event) => [event.outcome, event.actor.sub, event.actor.actors, event.errorCode]),
    [
      ['REFUSED', 'alice', [], 'FORBIDDEN'],
      ['REFUSED', 'alice', ['chatops-bot'], 'FORBIDDEN'],
      ['SUCCEEDED', 'bob', [], null],
    ],
  );
  const redEvents = await gql<{ auditEvents: { items: AuditItem[] } }>(
    lab.app,
    lab.tokens.redAdmin,
    `{ auditEvents(filter: { action: "job.approve" }) { items { outcome errorCode } } }`,
  );
  // Red's attempt is in red's own log, refused as if the job did not exist.
  assert.deepEqual(
    dataOf(redEvents)
      .auditEvents.items.map((event) => [event.outcome, event.errorCode])
      .reverse(),
    [
      ['REQUESTED', null],
      ['REFUSED', 'NOT_FOUND'],
    ],
  );
});

test('REST: two approvers; the first is seen AWAITING_APPROVAL, the second queues the removal', async (t) => {
  await setPolicy([{ action: 'node.labels.update', approvals: 2, role: 'admin' }]);
  const asked = await lab.app.inject({
    method: 'PATCH',
    url: `/v1/swarms/beta/nodes/${NODE}/labels`,
    headers: bearer(alice),
    payload: { remove: [KEY], reason: 'zone no longer needed' },
  });
  assert.equal(asked.statusCode, 202, asked.body);
  const job = asked.json<Job>();
  assert.equal(job.state, 'AWAITING_APPROVAL');
  assert.equal(asked.headers.location, `/v1/jobs/${job.id}`);
  assert.equal((await labelsOfNode())[KEY], 'a', 'not removed yet');

  const watch = await watchJob(job.id, alice);
  t.after(() => watch.close());
  const first = await decideRest(bob, job.id, 'approve');
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json<Job>().state, 'AWAITING_APPROVAL');
  const twice = await decideRest(bob, job.id, 'approve');
  assert.equal(twice.statusCode, 403, twice.body);
  const second = await decideRest(carol, job.id, 'approve');
  assert.equal(second.statusCode, 200, second.body);
  assert.equal(second.json<Job>().state, 'QUEUED');
  assert.equal((await waitForJob(job.id)).state, 'SUCCEEDED');
  assert.equal((await labelsOfNode())[KEY], undefined, 'removed');
  await watch.until('SUCCEEDED');
  assert.deepEqual(
    watch.states().filter((state, index, all) => all[index - 1] !== state),
    ['AWAITING_APPROVAL', 'QUEUED', 'RUNNING', 'SUCCEEDED'],
  );
  const late = await decideRest(carol, job.id, 'approve');
  assert.equal(late.statusCode, 409, late.body);
});

test('reject (REST) and expiry end the job CANCELLED with nothing changed; subscribers see it; audited', async (t) => {
  await setPolicy([{ action: 'node.labels.update', approvals: 1 }]);
  const rejected = await askForLabel('b');
  const watch = await watchJob(rejected.id, alice);
  t.after(() => watch.close());
  const bySelf = await decideRest(alice, rejected.id, 'reject');
  assert.equal(bySelf.statusCode, 403, bySelf.body);
  const no = await decideRest(bob, rejected.id, 'reject', 'not in this zone');
  assert.equal(no.statusCode, 200, no.body);
  assert.equal(no.json<Job>().state, 'CANCELLED');
  assert.equal(no.json<Job>().errorCode, 'FORBIDDEN');
  assert.equal(no.json<Job>().errorMessage, 'rejected by bob: not in this zone');
  await watch.until('CANCELLED');
  const rejectedEvents = await auditOf({ operationId: rejected.operationId });
  assert.deepEqual(
    rejectedEvents.map((event) => [event.outcome, event.errorCode]),
    [
      ['REQUESTED', null],
      ['REFUSED', 'FORBIDDEN'],
    ],
  );

  await setPolicy([{ action: 'node.labels.update', approvals: 1, expiresInMinutes: 0.05 }]);
  const expiring = await askForLabel('c');
  assert.equal(expiring.state, 'AWAITING_APPROVAL');
  const expiryWatch = await watchJob(expiring.id, alice);
  t.after(() => expiryWatch.close());
  const ended = await waitForJob(expiring.id);
  assert.equal(ended.state, 'CANCELLED');
  assert.equal(ended.errorCode, 'CANCELLED');
  assert.match(ended.errorMessage ?? '', /^approval expired at /);
  await expiryWatch.until('CANCELLED');
  const late = await approveGql(bob, expiring.id);
  assert.equal(late.errors?.[0]?.extensions.code, 'CONFLICT');
  assert.equal((await labelsOfNode())[KEY], undefined, 'neither change reached the node');
  const expiredEvents = await auditOf({ operationId: expiring.operationId });
  assert.deepEqual(
    expiredEvents.map((event) => [event.outcome, event.errorCode]),
    [
      ['REQUESTED', null],
      ['FAILED', 'CANCELLED'],
    ],
  );
  await setPolicy([]);
});
