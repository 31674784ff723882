import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildSchema } from 'graphql';
import { loadSchemaSource } from '../../../src/graphql/schema.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue();
});
after(async () => {
  await lab?.subject.close();
});

const SWARM_FIELDS = `id name tenant status { state } info { clusterId } quorum { managers }
  nodes { totalCount } services { totalCount } tasks { totalCount }`;

/**
 * One check per Query field: as a token of tenant red, the field must not reveal tenant blue's swarm beta.
 * A Query field added without an entry here fails the enumeration test below.
 */
const CHECKS: Record<string, (lab: RedBlue) => Promise<void>> = {
  version: async ({ app, tokens }) => {
    const answer = await gql<{ version: string }>(app, tokens.redViewer, '{ version }');
    assert.ok(answer.data?.version);
  },
  me: async ({ app, tokens }) => {
    const answer = await gql<{ me: { tenant: string } }>(app, tokens.redViewer, '{ me { tenant } }');
    assert.equal(answer.data?.me.tenant, 'red');
  },
  tenants: async ({ app, tokens }) => {
    const answer = await gql(app, tokens.redAdmin, '{ tenants { slug } }');
    assert.equal(answer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  },
  swarms: async ({ app, tokens }) => {
    const answer = await gql<{ swarms: { name: string }[] }>(app, tokens.redViewer, '{ swarms { name } }');
    assert.deepEqual(
      answer.data?.swarms.map((swarm) => swarm.name),
      ['alpha'],
    );
    const asked = await gql<{ swarms: { name: string }[] }>(
      app,
      tokens.redViewer,
      '{ swarms(tenant: "blue") { name } }',
    );
    assert.deepEqual(asked.data?.swarms, []);
  },
  auditEvents: async ({ app, tokens }) => {
    const answer = await gql<{ auditEvents: { items: { tenant: string }[] } }>(
      app,
      tokens.redViewer,
      '{ auditEvents(first: 200) { items { tenant } } }',
    );
    assert.ok(answer.data?.auditEvents.items.length, 'red has audit events of its own');
    assert.deepEqual([...new Set(answer.data?.auditEvents.items.map((event) => event.tenant))], ['red']);
    const asked = await gql(
      app,
      tokens.redAdmin,
      '{ auditEvents(filter: { tenant: "blue" }) { items { id } } }',
    );
    assert.equal(asked.errors?.[0]?.extensions.code, 'FORBIDDEN');
  },
  auditIntegrity: async ({ app, tokens }) => {
    const answer = await gql<{ auditIntegrity: { tenants: { tenant: string }[] } }>(
      app,
      tokens.redAdmin,
      '{ auditIntegrity { ok tenants { tenant } } }',
    );
    assert.deepEqual(
      answer.data?.auditIntegrity.tenants.map((report) => report.tenant),
      ['red'],
    );
    const asked = await gql(app, tokens.redAdmin, '{ auditIntegrity(tenant: "blue") { ok } }');
    assert.equal(asked.errors?.[0]?.extensions.code, 'FORBIDDEN');
  },
  approvalPolicy: async ({ app, tokens }) => {
    // Blue's policy (a rule no other check here meets) is blue's alone: red reads its own, which has none of it.
    const set = await gql(
      app,
      tokens.blueAdmin,
      'mutation { setApprovalPolicy(input: { rules: [{ action: "stack.remove", approvals: 2 }], reason: "isolation" }) { rules { action } } }',
    );
    assert.equal(set.errors, undefined, JSON.stringify(set.errors));
    try {
      const red = await gql<{ approvalPolicy: { rules: { action: string }[]; updatedBy: string | null } }>(
        app,
        tokens.redViewer,
        '{ approvalPolicy { rules { action } updatedBy } }',
      );
      const policy = dataOf(red).approvalPolicy;
      assert.ok(!policy.rules.some((rule) => rule.action === 'stack.remove'), JSON.stringify(policy));
      assert.notEqual(policy.updatedBy, 'blue-admin');
      assert.ok(!JSON.stringify(red).includes('blue'), JSON.stringify(red));
    } finally {
      await gql(
        app,
        tokens.blueAdmin,
        'mutation { setApprovalPolicy(input: { rules: [], reason: "isolation" }) { rules { action } } }',
      );
    }
  },
  jobs: async ({ app, tokens }) => {
    // A job of blue's: labels on beta's worker, added and removed again.
    const job = await gql<{ updateNodeLabels: { id: string } }>(
      app,
      tokens.blueAdmin,
      'mutation { updateNodeLabels(input: { swarm: "beta", node: "beta-w1", add: [{ key: "iso", value: "1" }] }) { id } }',
    );
    const id = job.data?.updateNodeLabels.id;
    assert.ok(id, JSON.stringify(job.errors));
    await gql(
      app,
      tokens.blueAdmin,
      'mutation { updateNodeLabels(input: { swarm: "beta", node: "beta-w1", remove: ["iso"] }) { id } }',
    );
    const red = await gql<{ jobs: { items: { id: string; tenant: string }[] } }>(
      app,
      tokens.redViewer,
      '{ jobs(first: 200) { items { id tenant } } }',
    );
    assert.ok(!red.data?.jobs.items.some((item) => item.id === id));
    assert.ok(red.data?.jobs.items.every((item) => item.tenant === 'red'));
  },
  job: async ({ app, tokens }) => {
    const blue = await gql<{ jobs: { items: { id: string }[] } }>(
      app,
      tokens.blueViewer,
      '{ jobs(first: 1) { items { id } } }',
    );
    const id = blue.data?.jobs.items[0]?.id;
    assert.ok(id, 'blue has a job (see the jobs check)');
    const answer = await gql<{ job: unknown }>(
      app,
      tokens.redAdmin,
      'query ($id: ID!) { job(id: $id) { id } }',
      { id },
    );
    assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND');
    assert.equal(answer.data?.job ?? null, null);
  },
  swarm: async ({ app, tokens, beta }) => {
    for (const ref of [beta.id, beta.name]) {
      const answer = await gql(
        app,
        tokens.redAdmin,
        `query ($id: String!) { swarm(id: $id) { ${SWARM_FIELDS} } }`,
        {
          id: ref,
        },
      );
      assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND', `swarm(${ref}) for red`);
      assert.equal(answer.data?.swarm ?? null, null);
    }
  },
};

test('every Query field has a tenant isolation check', () => {
  const queryFields = Object.keys(buildSchema(loadSchemaSource()).getQueryType()!.getFields());
  const missing = queryFields.filter((field) => !(field in CHECKS));
  assert.deepEqual(missing, [], `Query fields without an isolation check: ${missing.join(', ')}`);
});

for (const [field, check] of Object.entries(CHECKS)) {
  test(`Query.${field} does not reveal another tenant's swarm`, () => check(lab));
}

test('each tenant sees exactly its own swarm, with its data', async () => {
  const red = await gql<{ swarms: { name: string; tenant: string; nodes: { totalCount: number } }[] }>(
    lab.app,
    lab.tokens.redViewer,
    '{ swarms { name tenant nodes { totalCount } } }',
  );
  assert.deepEqual(red.data?.swarms, [{ name: 'alpha', tenant: 'red', nodes: { totalCount: 5 } }]);
  const blue = await gql<{ swarms: { name: string; tenant: string; nodes: { totalCount: number } }[] }>(
    lab.app,
    lab.tokens.blueViewer,
    '{ swarms { name tenant nodes { totalCount } } }',
  );
  assert.deepEqual(blue.data?.swarms, [{ name: 'beta', tenant: 'blue', nodes: { totalCount: 2 } }]);
});

test('a platform-admin sees both tenants', async () => {
  const token = tokenFor('platform', ['platform-admin']);
  const answer = await gql<{ swarms: { name: string }[] }>(lab.app, token, '{ swarms { name } }');
  assert.deepEqual(answer.data?.swarms.map((swarm) => swarm.name).sort(), ['alpha', 'beta']);
});

test('a viewer reading joinTokens is FORBIDDEN; an admin gets both tokens', async () => {
  const viewer = await gql(lab.app, lab.tokens.redViewer, '{ swarm(id: "alpha") { joinTokens { worker } } }');
  assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const admin = await gql<{
    swarm: { joinTokens: { worker: string; manager: string; managerAddresses: string[] } };
  }>(
    lab.app,
    lab.tokens.redAdmin,
    '{ swarm(id: "alpha") { joinTokens { worker manager managerAddresses } } }',
  );
  const tokens = admin.data?.swarm.joinTokens;
  assert.match(tokens?.worker ?? '', /^SWMTKN-1-/);
  assert.match(tokens?.manager ?? '', /^SWMTKN-1-/);
  assert.equal(tokens?.managerAddresses.length, 3);
});

test("a blue token cannot update or unregister red's swarm (NOT_FOUND, not FORBIDDEN)", async () => {
  const update = await gql(
    lab.app,
    lab.tokens.blueAdmin,
    'mutation { updateSwarm(input: { swarm: "alpha", labels: [] }) { swarm { id } } }',
  );
  assert.equal(update.errors?.[0]?.extensions.code, 'NOT_FOUND');
  const remove = await gql(
    lab.app,
    lab.tokens.blueAdmin,
    'mutation { unregisterSwarm(input: { swarm: "alpha" }) { id } }',
  );
  assert.equal(remove.errors?.[0]?.extensions.code, 'NOT_FOUND');
});
