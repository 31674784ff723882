import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildSchema } from 'graphql';
import { loadSchemaSource } from '../../../src/graphql/schema.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, setupRedBlue, tlsEndpointsOf, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue();
});
after(async () => {
  await lab?.subject.close();
});

/** alice, admin of red, acting through the chatops bot. */
const bot = () => tokenFor('red', ['admin'], { sub: 'alice', act: { sub: 'chatops-bot' } });

interface Event {
  operationId: string;
  outcome: string;
  action: string;
  reason: string | null;
  errorCode: string | null;
  parameters: string;
  actor: { sub: string; actors: string[]; roles: string[]; source: string; requestId: string | null };
  target: { swarmId: string | null; swarmName: string | null };
}

const EVENT_FIELDS = `operationId outcome action reason errorCode parameters
  actor { sub actors roles source requestId } target { swarmId swarmName }`;

async function eventsOf(action: string): Promise<Event[]> {
  const answer = dataOf(
    await gql<{ auditEvents: { items: Event[] } }>(
      lab.app,
      lab.tokens.redAdmin,
      `query ($action: String) { auditEvents(filter: { action: $action }, first: 100) { items { ${EVENT_FIELDS} } } }`,
      { action },
    ),
  );
  return answer.auditEvents.items;
}

/** The requested event and the outcome of the newest operation of `action`. */
async function lastOperation(action: string): Promise<{ requested: Event; outcome: Event }> {
  const events = await eventsOf(action);
  const newest = events[0];
  assert.ok(newest, `no audit event for ${action}`);
  const pair = events.filter((event) => event.operationId === newest.operationId);
  const requested = pair.find((event) => event.outcome === 'REQUESTED');
  const outcome = pair.find((event) => event.outcome !== 'REQUESTED');
  assert.ok(requested, `${action}: requested event`);
  assert.ok(outcome, `${action}: outcome event`);
  assert.equal(pair.length, 2, `${action}: exactly one requested and one outcome event`);
  return { requested, outcome };
}

/** A test secret value (the final secret scan flags it wherever it shows up). */
const AUDIT_SECRET = 'sg-test-secret-audit-case';

/** Sends `mutation` as the bot and expects it refused with `code`. */
async function refused(mutation: string, code: string): Promise<void> {
  const answer = await gql(lab.app, bot(), mutation);
  assert.equal(answer.errors?.[0]?.extensions.code, code, JSON.stringify(answer.errors));
}

/** One case per Mutation field: do it as the bot for alice, with a reason, and name the audited action. */
const CASES: Record<string, { action: string; run: () => Promise<void> }> = {
  registerSwarm: {
    action: 'swarm.register',
    run: async () => {
      // beta is blue's; registering it again is refused (CONFLICT) and must still be audited.
      const answer = await gql(lab.app, bot(), REGISTER, {
        input: {
          name: 'beta-again',
          endpoints: tlsEndpointsOf(lab.inventory, ['beta-m1']),
          reason: 'audit test',
        },
      });
      assert.equal(answer.errors?.[0]?.extensions.code, 'CONFLICT');
    },
  },
  updateSwarm: {
    action: 'swarm.update',
    run: async () => {
      dataOf(
        await gql(
          lab.app,
          bot(),
          'mutation { updateSwarm(input: { swarm: "alpha", labels: [{ key: "owner", value: "alice" }], reason: "audit test" }) { swarm { id } } }',
        ),
      );
    },
  },
  unregisterSwarm: {
    action: 'swarm.unregister',
    run: async () => {
      // beta moves to red and back, so the other cases keep their swarms.
      const [endpoint] = tlsEndpointsOf(lab.inventory, ['beta-m1']);
      dataOf(
        await gql(
          lab.app,
          lab.tokens.blueAdmin,
          'mutation { unregisterSwarm(input: { swarm: "beta" }) { id } }',
        ),
      );
      dataOf(
        await gql(lab.app, bot(), REGISTER, {
          input: { name: 'beta-red', endpoints: [endpoint], reason: 'audit test' },
        }),
      );
      dataOf(
        await gql(
          lab.app,
          bot(),
          'mutation { unregisterSwarm(input: { swarm: "beta-red", reason: "audit test" }) { id } }',
        ),
      );
      dataOf(
        await gql(lab.app, lab.tokens.blueAdmin, REGISTER, {
          input: { name: 'beta', endpoints: [endpoint] },
        }),
      );
    },
  },
  // The node operations' cases are refusals decided before any job is queued, so they leave alpha as it is.
  // The maintenance cases are refusals too: no job runs, alpha's nodes are not touched.
  startMaintenance: {
    action: 'swarm.maintenance',
    run: () =>
      refused(
        'mutation { startMaintenance(input: { swarm: "alpha", nodes: ["sgR-no-such-node"], pauseSeconds: 1, reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  continueMaintenance: {
    action: 'swarm.maintenance.continue',
    run: () =>
      refused(
        'mutation { continueMaintenance(input: { job: "00000000-0000-4000-8000-000000000000", node: "alpha-w1", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  resumeMaintenance: {
    action: 'swarm.maintenance.resume',
    run: () =>
      refused(
        'mutation { resumeMaintenance(input: { job: "00000000-0000-4000-8000-000000000000", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  cancelJob: {
    action: 'job.cancel',
    run: async () => {
      // A job that exists and has ended: cancelling it changes nothing, and is audited all the same.
      const jobs = dataOf(
        await gql<{ jobs: { items: { id: string }[] } }>(
          lab.app,
          bot(),
          '{ jobs(first: 1) { items { id } } }',
        ),
      ).jobs.items;
      const id = jobs[0]?.id ?? '00000000-0000-4000-8000-000000000000';
      const answer = await gql(
        lab.app,
        bot(),
        'mutation ($id: ID!) { cancelJob(input: { id: $id, reason: "audit test" }) { id state } }',
        {
          id,
        },
      );
      if (jobs[0]) assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      else assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  setNodeAvailability: {
    action: 'node.pause',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { setNodeAvailability(input: { swarm: "alpha", node: "no-such-node", availability: PAUSE, reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  promoteNode: {
    action: 'node.promote',
    run: async () => {
      // A fourth manager is an even number: refused without force.
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { promoteNode(input: { swarm: "alpha", node: "alpha-w2", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'QUORUM_AT_RISK');
    },
  },
  demoteNode: {
    action: 'node.demote',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { demoteNode(input: { swarm: "alpha", node: "alpha-m3", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'QUORUM_AT_RISK');
    },
  },
  updateNodeLabels: {
    action: 'node.labels.update',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { updateNodeLabels(input: { swarm: "alpha", node: "alpha-w2", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT');
    },
  },
  removeNode: {
    action: 'node.remove',
    run: async () => {
      // A Ready node must leave the swarm first (or be removed with force).
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { removeNode(input: { swarm: "alpha", node: "alpha-w2", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'CONFLICT');
    },
  },
  // The service operations' cases change nothing on alpha: refusals before any job, and the removal of a
  // service that does not exist (a job that succeeds without a Docker write).
  createService: {
    action: 'service.create',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { createService(input: { swarm: "alpha", name: "bad name!", image: "swarmgate/probe:1", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT');
    },
  },
  scaleService: {
    action: 'service.scale',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { scaleService(input: { swarm: "alpha", service: "no-such-service", replicas: 2, reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  updateService: {
    action: 'service.update',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { updateService(input: { swarm: "alpha", service: "no-such-service", image: "swarmgate/probe:2", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  rollbackService: {
    action: 'service.rollback',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { rollbackService(input: { swarm: "alpha", service: "no-such-service", reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  removeService: {
    action: 'service.remove',
    run: async () => {
      const answer = await gql<{ removeService: { state: string } }>(
        lab.app,
        bot(),
        'mutation { removeService(input: { swarm: "alpha", service: "no-such-service", reason: "audit test" }) { state } }',
      );
      assert.equal(dataOf(answer).removeService.state, 'SUCCEEDED');
    },
  },
  // A dry run: a job that plans and ends without a Docker write.
  deployStack: {
    action: 'stack.deploy',
    run: async () => {
      const answer = await gql<{ deployStack: { state: string } }>(
        lab.app,
        bot(),
        'mutation ($compose: String!) { deployStack(input: { swarm: "alpha", name: "sgC-audit", compose: $compose, dryRun: true, reason: "audit test" }) { state } }',
        { compose: 'services:\n  web:\n    image: swarmgate/probe:1\n' },
      );
      assert.equal(dataOf(answer).deployStack.state, 'SUCCEEDED');
    },
  },
  removeStack: {
    action: 'stack.remove',
    run: async () => {
      // No object carries the name: the job succeeds with nothing removed.
      const answer = await gql<{ removeStack: { state: string } }>(
        lab.app,
        bot(),
        'mutation { removeStack(input: { swarm: "alpha", name: "no-such-stack", reason: "audit test" }) { state } }',
      );
      assert.equal(dataOf(answer).removeStack.state, 'SUCCEEDED');
    },
  },
  // The network, secret and config cases are refusals before any job: nothing changes on alpha.
  createNetwork: {
    action: 'network.create',
    run: () =>
      refused(
        'mutation { createNetwork(input: { swarm: "alpha", name: "bad name!", reason: "audit test" }) { id } }',
        'BAD_INPUT',
      ),
  },
  removeNetwork: {
    action: 'network.remove',
    run: () =>
      refused(
        'mutation { removeNetwork(input: { swarm: "beta", network: "anything", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  createSecret: {
    action: 'secret.create',
    run: async () => {
      await refused(
        `mutation { createSecret(input: { swarm: "alpha", name: "bad name!", value: "${AUDIT_SECRET}", reason: "audit test" }) { id } }`,
        'BAD_INPUT',
      );
      const { requested } = await lastOperation('secret.create');
      assert.ok(!requested.parameters.includes(AUDIT_SECRET), 'the secret value is not audited');
    },
  },
  removeSecret: {
    action: 'secret.remove',
    run: () =>
      refused(
        'mutation { removeSecret(input: { swarm: "beta", secret: "anything", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  rotateSecret: {
    action: 'secret.rotate',
    run: async () => {
      await refused(
        `mutation { rotateSecret(input: { swarm: "alpha", secret: "no-such-secret", value: "${AUDIT_SECRET}", reason: "audit test" }) { id } }`,
        'NOT_FOUND',
      );
      const { requested, outcome } = await lastOperation('secret.rotate');
      for (const event of [requested, outcome]) assert.ok(!event.parameters.includes(AUDIT_SECRET));
    },
  },
  createConfig: {
    action: 'config.create',
    run: () =>
      refused(
        'mutation { createConfig(input: { swarm: "alpha", name: "bad name!", value: "x", reason: "audit test" }) { id } }',
        'BAD_INPUT',
      ),
  },
  removeConfig: {
    action: 'config.remove',
    run: () =>
      refused(
        'mutation { removeConfig(input: { swarm: "beta", config: "anything", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  setSwarmPolicy: {
    action: 'swarm.policy.set',
    run: () =>
      // beta is blue's: red's bot gets NOT_FOUND, audited in red.
      refused(
        'mutation { setSwarmPolicy(input: { swarm: "beta", bindMountPaths: ["/"], capabilities: [], allowPrivileges: true, reason: "audit test" }) { bindMountPaths } }',
        'NOT_FOUND',
      ),
  },
  setJoinTokenRotation: {
    action: 'swarm.joinToken.schedule',
    run: () =>
      // beta is blue's: red's bot gets NOT_FOUND, audited in red.
      refused(
        'mutation { setJoinTokenRotation(input: { swarm: "beta", everyDays: 7, reason: "audit test" }) { everyDays } }',
        'NOT_FOUND',
      ),
  },
  setApprovalPolicy: {
    action: 'approval.policy.set',
    run: async () => {
      // red's own policy, set to no rules: nothing waits for approval in the other cases.
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { setApprovalPolicy(input: { rules: [], reason: "audit test" }) { rules { action } } }',
      );
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    },
  },
  approveJob: {
    action: 'job.approve',
    run: () =>
      refused(
        'mutation { approveJob(input: { id: "00000000-0000-4000-8000-000000000000", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  rejectJob: {
    action: 'job.reject',
    run: () =>
      refused(
        'mutation { rejectJob(input: { id: "00000000-0000-4000-8000-000000000000", reason: "audit test" }) { id } }',
        'NOT_FOUND',
      ),
  },
  // The swarm operations' cases are refusals decided before any engine is asked: no swarm changes.
  rotateJoinToken: {
    action: 'swarm.joinToken.rotate',
    run: async () => {
      // beta is blue's: red's bot gets NOT_FOUND, audited in red.
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { rotateJoinToken(input: { swarm: "beta", role: WORKER, reason: "audit test" }) { token } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    },
  },
  joinNode: {
    action: 'swarm.join',
    run: async () => {
      // A tcp:// endpoint without its TLS material is refused before any engine is asked.
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { joinNode(input: { swarm: "alpha", endpoint: { url: "tcp://192.168.77.31:2376" }, reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT');
    },
  },
  leaveSwarm: {
    action: 'swarm.leave',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { leaveSwarm(input: { swarm: "alpha", node: "alpha-w2", endpoint: { url: "tcp://192.168.77.15:2376" }, reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT');
    },
  },
  initSwarm: {
    action: 'swarm.init',
    run: async () => {
      const answer = await gql(
        lab.app,
        bot(),
        'mutation { initSwarm(input: { name: "audit-init", endpoint: { url: "tcp://192.168.77.32:2376" }, reason: "audit test" }) { id } }',
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT');
    },
  },
};

test('every Mutation field has an audit case', () => {
  const fields = Object.keys(buildSchema(loadSchemaSource()).getMutationType()!.getFields());
  const missing = fields.filter((field) => !(field in CASES));
  assert.deepEqual(missing, [], `mutations without an audit case: ${missing.join(', ')}`);
});

for (const [field, { action, run }] of Object.entries(CASES)) {
  test(`${field} writes a requested and an outcome event naming alice, the chatops bot and the reason`, async () => {
    await run();
    const { requested, outcome } = await lastOperation(action);
    for (const event of [requested, outcome]) {
      assert.equal(event.actor.sub, 'alice');
      assert.deepEqual(event.actor.actors, ['chatops-bot']);
      assert.deepEqual(event.actor.roles, ['admin']);
      assert.equal(event.actor.source, 'graphql');
      assert.ok(event.actor.requestId);
      assert.equal(event.reason, 'audit test');
    }
    assert.ok(['SUCCEEDED', 'REFUSED', 'FAILED'].includes(outcome.outcome));
  });
}

test("a refused mutation is audited as refused with its code, in the caller's tenant", async () => {
  const viewer = tokenFor('red', ['viewer'], { sub: 'victor' });
  const answer = await gql(
    lab.app,
    viewer,
    'mutation { updateSwarm(input: { swarm: "alpha", labels: [] }) { swarm { id } } }',
  );
  assert.equal(answer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const { requested, outcome } = await lastOperation('swarm.update');
  assert.equal(requested.actor.sub, 'victor');
  assert.equal(outcome.outcome, 'REFUSED');
  assert.equal(outcome.errorCode, 'FORBIDDEN');
  // Another tenant's swarm: refused as NOT_FOUND in red's own log, without naming blue's swarm id.
  const cross = await gql(lab.app, viewer, 'mutation { unregisterSwarm(input: { swarm: "beta" }) { id } }');
  assert.equal(cross.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const refused = await lastOperation('swarm.unregister');
  assert.equal(refused.outcome.errorCode, 'NOT_FOUND');
  assert.equal(refused.outcome.target.swarmId, null);
});

test("secrets in parameters never reach the audit: the registration's TLS key is removed", async () => {
  const { requested } = await lastOperation('swarm.register');
  assert.ok(!requested.parameters.includes('PRIVATE KEY'));
  assert.ok(requested.parameters.includes('[REDACTED]'));
});

test('reading join tokens is audited without the tokens; through REST the source is rest', async () => {
  const response = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/join-tokens',
    headers: { authorization: `Bearer ${bot()}`, 'user-agent': 'chatops/1.0' },
  });
  assert.equal(response.statusCode, 200);
  assert.match(response.body, /SWMTKN-/);
  const { requested, outcome } = await lastOperation('swarm.joinTokens.read');
  assert.equal(requested.actor.source, 'rest');
  assert.equal(outcome.outcome, 'SUCCEEDED');
  assert.equal(outcome.target.swarmName, 'alpha');
  const everything = JSON.stringify(await eventsOf('swarm.joinTokens.read'));
  assert.ok(!everything.includes('SWMTKN-'), 'no join token in the audit');
});
