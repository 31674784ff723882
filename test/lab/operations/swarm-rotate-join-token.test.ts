// rotateJoinToken against the lab's beta swarm: the token changes, joined nodes stay Ready, and no token is kept.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { JobContext } from '../../../src/jobs/processor.ts';
import { swarmRotateJoinTokenProcessor } from '../../../src/jobs/processors/swarm-rotate-join-token.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { resumedContext as storedContext } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, tlsEndpointsOf } from '../../helpers/red-blue.ts';

/** A gateway with only beta registered (tenant blue): alpha belongs to other tests, which may be changing it. */
interface BetaLab {
  subject: TestApp;
  app: TestApp['app'];
  inventory: Inventory;
  tokens: { blueAdmin: string; blueViewer: string; redAdmin: string };
}

let lab: BetaLab;
before(async () => {
  const inventory = await requireLab();
  const subject = await buildTestApp();
  const tokens = {
    blueAdmin: tokenFor('blue', ['admin']),
    blueViewer: tokenFor('blue', ['viewer']),
    redAdmin: tokenFor('red', ['admin']),
  };
  lab = { subject, app: subject.app, inventory, tokens };
  dataOf(
    await gql(subject.app, tokens.blueAdmin, REGISTER, {
      input: { name: 'beta', endpoints: tlsEndpointsOf(inventory, ['beta-m1']) },
    }),
  );
});
after(async () => {
  await lab?.subject.close();
});

const ROTATE = `mutation ($input: RotateJoinTokenInput!) {
  rotateJoinToken(input: $input) { token job { id type state errorCode errorMessage reason parameters result } }
}`;
const TOKENS = `query { swarm(id: "beta") { joinTokens { worker manager } } }`;

interface Payload {
  token: string | null;
  job: {
    id: string;
    type: string;
    state: string;
    errorCode: string | null;
    errorMessage: string | null;
    reason: string | null;
    parameters: string;
    result: string | null;
  };
}

const betaManager = () => dockerFor(labEngine(lab.inventory, 'beta-m1'));

async function tokensViaGateway(): Promise<{ worker: string; manager: string }> {
  const answer = dataOf(
    await gql<{ swarm: { joinTokens: { worker: string; manager: string } } }>(
      lab.app,
      lab.tokens.blueAdmin,
      TOKENS,
    ),
  );
  return answer.swarm.joinTokens;
}

async function tokensViaDocker(): Promise<{ Worker: string; Manager: string }> {
  const swarm = (await betaManager().swarmInspect()) as { JoinTokens: { Worker: string; Manager: string } };
  return swarm.JoinTokens;
}

async function betaW1State(): Promise<string> {
  const nodes = (await betaManager().listNodes()) as {
    Description: { Hostname: string };
    Status: { State: string };
  }[];
  return nodes.find((node) => node.Description.Hostname === 'beta-w1')?.Status.State ?? 'missing';
}

/** Every row of the audit and jobs tables, as text, plus every job's unsealed input. */
async function everythingStored(): Promise<string> {
  const client = new pg.Client({ connectionString: lab.subject.db.url });
  await client.connect();
  try {
    const audit = await client.query<{ body: string }>(
      'SELECT row_to_json(a)::text AS body FROM audit_events a',
    );
    const jobs = await client.query<{ id: string; body: string }>(
      'SELECT id, row_to_json(j)::text AS body FROM jobs j',
    );
    const inputs = await Promise.all(
      jobs.rows.map(async (row) => JSON.stringify(await lab.app.jobs.repository.inputOf(row.id))),
    );
    return [...audit.rows.map((row) => row.body), ...jobs.rows.map((row) => row.body), ...inputs].join('\n');
  } finally {
    await client.end();
  }
}

test('rotating the worker token changes it, leaves the manager token and beta-w1 alone, and reveals it only on request', async () => {
  const before = await tokensViaGateway();
  assert.match(before.worker, /^SWMTKN-/);
  assert.equal(before.worker, (await tokensViaDocker()).Worker);

  const started = Date.now();
  const payload = dataOf(
    await gql<{ rotateJoinToken: Payload }>(lab.app, lab.tokens.blueAdmin, ROTATE, {
      input: { swarm: 'beta', role: 'WORKER', reveal: true, reason: 'worker token leaked in a chat' },
    }),
  ).rotateJoinToken;
  console.log(`rotateJoinToken (quick job) answered in ${Date.now() - started} ms`);
  assert.equal(payload.job.state, 'SUCCEEDED', payload.job.errorMessage ?? '');
  assert.equal(payload.job.type, 'swarm.joinToken.rotate');
  assert.equal(payload.job.reason, 'worker token leaked in a chat');
  assert.deepEqual(JSON.parse(payload.job.parameters), { role: 'worker' });

  const docker = await tokensViaDocker();
  assert.notEqual(docker.Worker, before.worker, 'Docker has a new worker token');
  assert.equal(docker.Manager, before.manager, 'the manager token is untouched');
  assert.equal(payload.token, docker.Worker, 'the revealed token is the one Docker has now');
  assert.deepEqual(await tokensViaGateway(), { worker: docker.Worker, manager: docker.Manager });

  // Nodes already joined are unaffected: beta-w1 is Ready, seen by Docker and through the gateway.
  assert.equal(await betaW1State(), 'ready');
  const node = dataOf(
    await gql<{ swarm: { node: { state: string } } }>(
      lab.app,
      lab.tokens.blueViewer,
      'query { swarm(id: "beta") { node(ref: "beta-w1") { state } } }',
    ),
  );
  assert.equal(node.swarm.node.state, 'READY');

  // Audited with the reason; the reveal is its own audited read. No token (old or new) in any row.
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: { action: string; outcome: string; reason: string | null; jobId: string | null }[];
      };
    }>(
      lab.app,
      lab.tokens.blueAdmin,
      'query { auditEvents(filter: { action: "swarm.joinToken." }, first: 50) { items { action outcome reason jobId } } }',
    ),
  ).auditEvents.items;
  const rotations = events.filter((event) => event.action === 'swarm.joinToken.rotate');
  assert.deepEqual(rotations.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
  for (const event of rotations) assert.equal(event.reason, 'worker token leaked in a chat');
  assert.ok(rotations.some((event) => event.jobId === payload.job.id));
  const stored = await everythingStored();
  for (const token of [before.worker, before.manager, docker.Worker]) {
    assert.ok(!stored.includes(token), 'a join token is stored in the audit or the jobs');
    assert.ok(!stored.includes(token.split('-').pop()!), "a token's secret part is stored");
  }
  assert.ok(!stored.includes('SWMTKN-'), 'no join token in any audit or job row');
});

test('without reveal the token is not answered; the REST door rotates the manager token the same way', async () => {
  const before = await tokensViaDocker();
  const quiet = dataOf(
    await gql<{ rotateJoinToken: Payload }>(lab.app, lab.tokens.blueAdmin, ROTATE, {
      input: { swarm: 'beta', role: 'WORKER', reason: 'routine rotation' },
    }),
  ).rotateJoinToken;
  assert.equal(quiet.job.state, 'SUCCEEDED');
  assert.equal(quiet.token, null);
  const afterWorker = await tokensViaDocker();
  assert.notEqual(afterWorker.Worker, before.Worker);

  const response = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/beta/join-tokens/rotate',
    headers: bearer(lab.tokens.blueAdmin),
    payload: { role: 'MANAGER', reason: 'manager token rotation', idempotencyKey: 'rotate-manager-1' },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json<{
    job: { id: string; state: string; parameters: unknown };
    token: string | null;
  }>();
  assert.equal(body.job.state, 'SUCCEEDED');
  assert.equal(body.token, null);
  assert.deepEqual(body.job.parameters, { role: 'manager' });
  const afterManager = await tokensViaDocker();
  assert.notEqual(afterManager.Manager, before.Manager, 'the manager token changed');
  assert.equal(afterManager.Worker, afterWorker.Worker, 'the worker token is untouched');

  // The same idempotency key answers the same job, and does not rotate again.
  const replay = await lab.app.inject({
    method: 'POST',
    url: '/v1/swarms/beta/join-tokens/rotate',
    headers: bearer(lab.tokens.blueAdmin),
    payload: { role: 'MANAGER', reason: 'manager token rotation', idempotencyKey: 'rotate-manager-1' },
  });
  assert.equal(replay.json<{ job: { id: string } }>().job.id, body.job.id);
  assert.equal((await tokensViaDocker()).Manager, afterManager.Manager, 'a replay does not rotate again');
  assert.equal(await betaW1State(), 'ready');
});

test('rotation needs an admin, a reason, and a swarm of the caller’s tenant', async () => {
  const before = await tokensViaDocker();
  const cases: [string, Record<string, unknown>, string][] = [
    [lab.tokens.blueAdmin, { swarm: 'beta', role: 'WORKER' }, 'BAD_INPUT'],
    [tokenFor('blue', ['operator']), { swarm: 'beta', role: 'WORKER', reason: 'x' }, 'FORBIDDEN'],
    [lab.tokens.redAdmin, { swarm: 'beta', role: 'WORKER', reason: 'x' }, 'NOT_FOUND'],
  ];
  for (const [token, input, code] of cases) {
    const answer = await gql(lab.app, token, ROTATE, { input });
    assert.equal(answer.errors?.[0]?.extensions.code, code, JSON.stringify(answer.errors));
  }
  assert.deepEqual(await tokensViaDocker(), before, 'nothing was rotated');
});

/** The context a worker gives the processor when it runs the job again after a crash, with what it recorded. */
function resumedContext(jobId: string, message: string): Promise<JobContext<'swarm.joinToken.rotate'>> {
  return storedContext(lab.app, jobId, { progress: { percent: 30, step: 'rotate', message } });
}

const fingerprintOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

test('a rotation run again after a crash rotates only if the crashed run had not', async () => {
  const before = await tokensViaDocker();
  const payload = dataOf(
    await gql<{ rotateJoinToken: Payload }>(lab.app, lab.tokens.blueAdmin, ROTATE, {
      input: { swarm: 'beta', role: 'WORKER', reason: 'crash test' },
    }),
  ).rotateJoinToken;
  assert.equal(payload.job.state, 'SUCCEEDED');
  const rotated = await tokensViaDocker();
  assert.notEqual(rotated.Worker, before.Worker);

  // Killed after Docker rotated: the recorded fingerprint is of the token replaced since, so no second rotation.
  const resumed = await swarmRotateJoinTokenProcessor(
    await resumedContext(payload.job.id, `rotating (fingerprint ${fingerprintOf(before.Worker)})`),
  );
  assert.deepEqual(resumed.result, { role: 'worker', rotated: true, resumed: true });
  assert.equal((await tokensViaDocker()).Worker, rotated.Worker, 'not rotated twice');

  // Killed before Docker rotated: the token is still the recorded one, so the run rotates it now.
  await swarmRotateJoinTokenProcessor(
    await resumedContext(payload.job.id, `rotating (fingerprint ${fingerprintOf(rotated.Worker)})`),
  );
  assert.notEqual((await tokensViaDocker()).Worker, rotated.Worker);
  assert.equal(await betaW1State(), 'ready');
});
