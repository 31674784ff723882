// joinNode and leaveSwarm against the lab: spare-1 joins beta as a worker and leaves it; an engine already in a
// swarm is refused; a join across a cut link times out naming the ports. Every test puts the lab back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import pg from 'pg';
import type { JobContext } from '../../../src/jobs/processor.ts';
import { swarmJoinNodeProcessor } from '../../../src/jobs/processors/swarm-join-node.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { resumedContext as storedContext, untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, requireLab, runLabCli, waitUntil, type Inventory } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, tlsEndpointsOf } from '../../helpers/red-blue.ts';

interface BetaLab {
  subject: TestApp;
  app: TestApp['app'];
  inventory: Inventory;
}

let lab: BetaLab;
const blueAdmin = tokenFor('blue', ['admin']);
const blueOperator = tokenFor('blue', ['operator']);
/** The platform's admin: the only one that may give a unix socket (the cut-link join below needs one). */
const platformAdmin = tokenFor('platform', ['platform-admin']);
/** alice, an operator of blue, through the chatops bot. */
const bot = tokenFor('blue', ['operator'], { sub: 'alice', act: { sub: 'chatops-bot' } });

before(async () => {
  // Only beta (tenant blue): alpha belongs to other tests, which may be changing it.
  const inventory = await requireLab();
  const subject = await buildTestApp();
  lab = { subject, app: subject.app, inventory };
  dataOf(
    await gql(subject.app, blueAdmin, REGISTER, {
      input: { name: 'beta', endpoints: tlsEndpointsOf(inventory, ['beta-m1']) },
    }),
  );
});
after(async () => {
  // Whatever happened: spares out of any swarm, beta back to beta-m1 + beta-w1.
  try {
    await runLabCli(['heal', 'spare-2']);
    for (const spare of ['spare-1', 'spare-2']) await leaveAnySwarm(spare);
    await removeFromBeta(['spare-1', 'spare-2']);
  } finally {
    await lab?.subject.close();
  }
});

interface JobView {
  id: string;
  type: string;
  state: string;
  progress: { percent: number; step: string | null; message: string | null };
  target: { swarmName: string | null; nodeId: string | null; nodeName: string | null };
  parameters: string;
  result: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  reason: string | null;
  requestedBy: { sub: string; actors: string[]; source: string };
}

const JOB_FIELDS = `id type state progress { percent step message } target { swarmName nodeId nodeName }
  parameters result errorCode errorMessage reason requestedBy { sub actors source }`;
const JOIN = `mutation ($input: JoinNodeInput!) { joinNode(input: $input) { ${JOB_FIELDS} } }`;
const LEAVE = `mutation ($input: LeaveSwarmInput!) { leaveSwarm(input: $input) { ${JOB_FIELDS} } }`;

interface LabNode {
  ID: string;
  Spec: { Role: string };
  Description: { Hostname: string };
  Status: { State: string };
}

const engine = (name: string) => labEngine(lab.inventory, name);
const betaManager = () => dockerFor(engine('beta-m1'));
const socketEndpoint = (name: string) => ({ url: `unix://${engine(name).socket}` });
const tlsEndpoint = (name: string) => tlsEndpointsOf(lab.inventory, [name])[0]!;

async function betaNodes(): Promise<LabNode[]> {
  return (await betaManager().listNodes()) as LabNode[];
}

async function swarmState(name: string): Promise<string> {
  const info = (await dockerFor(engine(name)).info()) as { Swarm: { LocalNodeState: string } };
  return info.Swarm.LocalNodeState;
}

async function leaveAnySwarm(name: string): Promise<void> {
  const docker: Docker = dockerFor(engine(name), 'socket', 60_000);
  if ((await swarmState(name)) !== 'inactive') await docker.swarmLeave({ force: true });
}

async function removeFromBeta(hostnames: string[]): Promise<void> {
  for (const node of await betaNodes()) {
    if (hostnames.includes(node.Description.Hostname))
      await betaManager().getNode(node.ID).remove({ force: true });
  }
}

/** Polls the job through GraphQL until it ends (bounded); returns it and how long the wait took. */
async function waitForJob(
  token: string,
  id: string,
  timeoutMs: number,
): Promise<{ job: JobView; ms: number }> {
  const started = Date.now();
  const job = await untilJobEnds<JobView>(lab.app, token, JOB_FIELDS, id, { timeoutMs, intervalMs: 250 });
  return { job, ms: Date.now() - started };
}

/**
 * The context a worker gives the job's processor when it runs the job again after a crash (kill -9): the
 * job as stored, with the progress step the crashed run had recorded.
 */
function resumedContext(jobId: string, step: string | null): Promise<JobContext<'swarm.join'>> {
  return storedContext(lab.app, jobId, { progress: { percent: 25, step, message: null } });
}

async function auditOf(action: string) {
  return dataOf(
    await gql<{
      auditEvents: {
        items: {
          outcome: string;
          reason: string | null;
          errorCode: string | null;
          parameters: string;
          jobId: string | null;
          actor: { sub: string; actors: string[] };
          target: { nodeId: string | null; nodeName: string | null };
        }[];
      };
    }>(
      lab.app,
      blueAdmin,
      `query ($action: String) { auditEvents(filter: { action: $action }, first: 100) {
        items { outcome reason errorCode parameters jobId actor { sub actors } target { nodeId nodeName } } } }`,
      { action },
    ),
  ).auditEvents.items;
}

test('spare-1 joins beta as a worker for the chatops bot, is Ready, then leaves and shows Down', async () => {
  try {
    assert.equal(await swarmState('spare-1'), 'inactive', 'spare-1 starts out of any swarm');
    const started = Date.now();
    // Sent again below with the same idempotency key.
    const input = {
      swarm: 'beta',
      endpoint: tlsEndpoint('spare-1'),
      role: 'WORKER',
      reason: 'more capacity for the batch jobs',
      idempotencyKey: 'join-spare-1',
    };
    const accepted = dataOf(await gql<{ joinNode: JobView }>(lab.app, bot, JOIN, { input })).joinNode;
    assert.equal(accepted.type, 'swarm.join');
    // The TLS key travels sealed in the job input only: the job's parameters show it redacted.
    const parameters = JSON.parse(accepted.parameters) as { endpoint: { url: string; tls: unknown } };
    assert.equal(parameters.endpoint.url, engine('spare-1').tlsEndpoint);
    assert.equal(parameters.endpoint.tls, '[REDACTED]');

    const { job } = await waitForJob(bot, accepted.id, 90_000);
    console.log(`joinNode spare-1 → beta: ${job.state} ${Date.now() - started} ms after the request`);
    assert.equal(job.state, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
    assert.deepEqual(job.requestedBy, { sub: 'alice', actors: ['chatops-bot'], source: 'graphql' });
    // The node is known once joined: the job's result (and its audit outcome's target) name it.
    const result = JSON.parse(job.result ?? '{}') as { nodeId?: string; nodeName?: string; role?: string };
    assert.equal(result.nodeName, 'spare-1');
    assert.equal(result.role, 'worker');
    const nodeId = result.nodeId;
    assert.ok(nodeId);

    // Docker itself (`docker node ls` on beta-m1): spare-1 is a Ready worker with the job's node ID.
    const listed = (await betaNodes()).find((node) => node.Description.Hostname === 'spare-1');
    assert.ok(listed, 'beta-m1 lists spare-1');
    assert.equal(listed.ID, nodeId);
    assert.equal(listed.Status.State, 'ready');
    assert.equal(listed.Spec.Role, 'worker');
    const viaGateway = dataOf(
      await gql<{ swarm: { node: { id: string; state: string; role: string } } }>(
        lab.app,
        blueOperator,
        'query { swarm(id: "beta") { node(ref: "spare-1") { id state role } } }',
      ),
    ).swarm.node;
    assert.deepEqual(viaGateway, { id: nodeId, state: 'READY', role: 'WORKER' });

    // A worker killed after the join call runs the job again: it finds spare-1 a member of beta and only waits
    // for Ready, so nothing joins twice. A first run never adopts a member (that is ALREADY_IN_SWARM).
    const rerun = await swarmJoinNodeProcessor(await resumedContext(job.id, 'join'));
    assert.equal((rerun.result as { nodeId: string }).nodeId, nodeId);
    const spares = (await betaNodes()).filter((node) => node.Description.Hostname === 'spare-1');
    assert.deepEqual(
      spares.map((node) => node.ID),
      [nodeId],
      'spare-1 joined once',
    );
    await assert.rejects(swarmJoinNodeProcessor(await resumedContext(job.id, null)), {
      code: 'ALREADY_IN_SWARM',
    });

    // The same idempotency key answers the same job: nothing joins twice.
    const replay = dataOf(await gql<{ joinNode: JobView }>(lab.app, bot, JOIN, { input })).joinNode;
    assert.equal(replay.id, job.id);

    // Audited: requested and succeeded, naming alice, the bot and the reason; no key material anywhere.
    const events = (await auditOf('swarm.join')).filter(
      (event) => event.jobId === job.id || event.outcome === 'REQUESTED',
    );
    assert.ok(events.some((event) => event.outcome === 'SUCCEEDED' && event.target.nodeName === 'spare-1'));
    for (const event of events) {
      assert.equal(event.actor.sub, 'alice');
      assert.deepEqual(event.actor.actors, ['chatops-bot']);
      assert.equal(event.reason, 'more capacity for the batch jobs');
      assert.ok(!event.parameters.includes('PRIVATE KEY'));
    }
    const rows = new pg.Client({ connectionString: lab.subject.db.url });
    await rows.connect();
    try {
      const stored = await rows.query<{ body: string }>('SELECT row_to_json(j)::text AS body FROM jobs j');
      for (const row of stored.rows)
        assert.ok(!row.body.includes('PRIVATE KEY'), 'a job row shows the TLS key');
    } finally {
      await rows.end();
    }

    // The endpoint must be the node's own engine: beta-w1's engine is not spare-1 (asked before any job is made).
    const wrong = await gql<{ leaveSwarm: JobView }>(lab.app, blueAdmin, LEAVE, {
      input: { swarm: 'beta', node: 'spare-1', endpoint: tlsEndpoint('beta-w1') },
    });
    assert.equal(wrong.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(wrong));
    assert.match(wrong.errors[0].message, /is not node spare-1 of swarm "beta"/);
    assert.equal(await swarmState('beta-w1'), 'active', 'beta-w1 did not leave');

    // Leave through the REST door: 202 with the job's Location, then Down in the swarm.
    const response = await lab.app.inject({
      method: 'POST',
      url: '/v1/swarms/beta/nodes/spare-1/leave',
      headers: bearer(blueAdmin),
      payload: { endpoint: tlsEndpoint('spare-1'), reason: 'batch jobs done' },
    });
    assert.equal(response.statusCode, 202, response.body);
    const leaving = response.json<{ id: string; type: string }>();
    assert.equal(response.headers.location, `/v1/jobs/${leaving.id}`);
    assert.equal(leaving.type, 'swarm.leave');
    const left = await waitForJob(blueAdmin, leaving.id, 90_000);
    console.log(`leaveSwarm spare-1: job ${left.job.state} after ${left.ms} ms`);
    assert.equal(left.job.state, 'SUCCEEDED', `${left.job.errorCode}: ${left.job.errorMessage}`);
    assert.equal(left.job.target.nodeId, nodeId);
    assert.equal(await swarmState('spare-1'), 'inactive');
    const down = (await betaNodes()).find((node) => node.ID === nodeId);
    assert.equal(down?.Status.State, 'down', 'the node that left shows Down until it is removed');
    const leaveEvents = await auditOf('swarm.leave');
    assert.ok(
      leaveEvents.some((event) => event.outcome === 'SUCCEEDED' && event.reason === 'batch jobs done'),
    );

    // `docker node rm` is removeNode's job (another operation): the test removes the Down node directly.
    await betaManager().getNode(nodeId).remove({});
    assert.ok(!(await betaNodes()).some((node) => node.ID === nodeId));
  } finally {
    await leaveAnySwarm('spare-1');
    await removeFromBeta(['spare-1']);
  }
});

test('joining an engine that is already in a swarm (beta-w1) fails ALREADY_IN_SWARM with the hint to leave', async () => {
  const accepted = dataOf(
    await gql<{ joinNode: JobView }>(lab.app, blueOperator, JOIN, {
      input: { swarm: 'beta', endpoint: tlsEndpoint('beta-w1'), role: 'WORKER' },
    }),
  ).joinNode;
  const { job, ms } = await waitForJob(blueOperator, accepted.id, 30_000);
  console.log(`joinNode beta-w1 (already a member): ${job.state} ${job.errorCode} after ${ms} ms`);
  assert.equal(job.state, 'FAILED');
  assert.equal(job.errorCode, 'ALREADY_IN_SWARM');
  assert.match(job.errorMessage ?? '', /already part of swarm "beta"/);
  assert.match(job.errorMessage ?? '', /docker swarm leave/);
  // Refused, not undone: beta-w1 is still a Ready worker of beta.
  assert.equal(await swarmState('beta-w1'), 'active');
  const w1 = (await betaNodes()).find((node) => node.Description.Hostname === 'beta-w1');
  assert.equal(w1?.Status.State, 'ready');
  const refused = (await auditOf('swarm.join')).find((event) => event.jobId === job.id);
  assert.equal(refused?.outcome, 'REFUSED');
  assert.equal(refused?.errorCode, 'ALREADY_IN_SWARM');
});

test('joins and leaves are refused before anything changes when the caller may not or the guard says no', async () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    [tokenFor('blue', ['viewer']), JOIN, { swarm: 'beta', endpoint: tlsEndpoint('spare-1') }, 'FORBIDDEN'],
    // A manager join is an admin's, with a reason.
    [
      blueOperator,
      JOIN,
      { swarm: 'beta', endpoint: tlsEndpoint('spare-1'), role: 'MANAGER', reason: 'x' },
      'FORBIDDEN',
    ],
    [blueAdmin, JOIN, { swarm: 'beta', endpoint: tlsEndpoint('spare-1'), role: 'MANAGER' }, 'BAD_INPUT'],
    [blueAdmin, JOIN, { swarm: 'beta', endpoint: { url: 'tcp://192.168.77.31:2376' } }, 'BAD_INPUT'],
    [tokenFor('red', ['admin']), JOIN, { swarm: 'beta', endpoint: tlsEndpoint('spare-1') }, 'NOT_FOUND'],
    [blueOperator, LEAVE, { swarm: 'beta', node: 'beta-w1', endpoint: tlsEndpoint('beta-w1') }, 'FORBIDDEN'],
    // beta-m1 is a manager: only with force, and never as the last manager.
    [blueAdmin, LEAVE, { swarm: 'beta', node: 'beta-m1', endpoint: tlsEndpoint('beta-m1') }, 'BAD_INPUT'],
    [
      blueAdmin,
      LEAVE,
      { swarm: 'beta', node: 'beta-m1', endpoint: tlsEndpoint('beta-m1'), force: true },
      'QUORUM_AT_RISK',
    ],
    [
      blueAdmin,
      LEAVE,
      { swarm: 'beta', node: 'no-such-node', endpoint: tlsEndpoint('spare-1') },
      'NOT_FOUND',
    ],
  ];
  for (const [token, mutation, input, code] of cases) {
    const answer = await gql(lab.app, token, mutation, { input });
    assert.equal(
      answer.errors?.[0]?.extensions.code,
      code,
      `${JSON.stringify(input)}: ${JSON.stringify(answer.errors)}`,
    );
  }
  const quorum = await gql(lab.app, blueAdmin, LEAVE, {
    input: { swarm: 'beta', node: 'beta-m1', endpoint: tlsEndpoint('beta-m1'), force: true },
  });
  assert.match(quorum.errors?.[0]?.message ?? '', /last manager/);
  assert.equal(await swarmState('spare-1'), 'inactive');
  assert.equal(await swarmState('beta-m1'), 'active');
  assert.equal((await betaNodes()).length, 2);
});

test('a join across a cut link fails JOIN_TIMEOUT naming the ports, in bounded time, and leaves spare-2 out', async () => {
  assert.equal(await swarmState('spare-2'), 'inactive', 'spare-2 starts out of any swarm');
  const cut = await runLabCli(['cut', 'spare-2']);
  assert.equal(cut.code, 0, cut.stderr);
  try {
    // Through the REST door this time, with the engine's unix socket (the API still answers; the network does not):
    // a unix socket is a platform-admin's endpoint.
    const started = Date.now();
    const response = await lab.app.inject({
      method: 'POST',
      url: '/v1/swarms/beta/nodes',
      headers: bearer(platformAdmin),
      payload: {
        endpoint: socketEndpoint('spare-2'),
        role: 'WORKER',
      },
    });
    assert.equal(response.statusCode, 202, response.body);
    const { job } = await waitForJob(blueOperator, response.json<{ id: string }>().id, 120_000);
    const ms = Date.now() - started;
    console.log(`joinNode spare-2 across a cut link: ${job.state} ${job.errorCode} after ${ms} ms`);
    console.log(`  message: ${job.errorMessage}`);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.errorCode, 'JOIN_TIMEOUT', job.errorMessage ?? '');
    for (const port of [/TCP 2377/, /TCP and UDP 7946/, /UDP 4789/, /ESP/])
      assert.match(job.errorMessage ?? '', port);
    assert.match(job.errorMessage ?? '', /192\.168\.77\.21:2377/);
    assert.ok(ms < 75_000, `JOIN_TIMEOUT took ${ms} ms`);
    // The failure path made the engine stop trying, so a retry can succeed once the network is fixed.
    assert.equal(await swarmState('spare-2'), 'inactive');
    assert.match(job.errorMessage ?? '', /can be retried/);
    const failed = (await auditOf('swarm.join')).find((event) => event.jobId === job.id);
    assert.equal(failed?.outcome, 'FAILED');
  } finally {
    const healed = await runLabCli(['heal', 'spare-2']);
    assert.equal(healed.code, 0, healed.stderr);
    await leaveAnySwarm('spare-2');
    await removeFromBeta(['spare-2']);
  }
  await waitUntil(
    'beta lists beta-m1 and beta-w1 only, both Ready',
    async () => {
      const nodes = await betaNodes();
      const names = nodes.map((node) => `${node.Description.Hostname}=${node.Status.State}`).sort();
      return names.join(' ') === 'beta-m1=ready beta-w1=ready' || names.join(' ');
    },
    30_000,
  );
});
