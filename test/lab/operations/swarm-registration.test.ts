import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, setupRedBlue, tlsEndpointsOf, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue();
});
after(async () => {
  await lab?.subject.close();
});

test('one cluster cannot be registered twice, even by another tenant', async () => {
  const answer = await gql(lab.app, tokenFor('green', ['admin']), REGISTER, {
    input: { name: 'alpha-again', endpoints: tlsEndpointsOf(lab.inventory, ['alpha-m2']) },
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'CONFLICT');
  assert.match(answer.errors?.[0]?.message ?? '', /already registered/);
});

test('a worker or a spare engine is refused as an endpoint with BAD_INPUT naming it', async () => {
  for (const engine of ['alpha-w1', 'spare-1']) {
    const [endpoint] = tlsEndpointsOf(lab.inventory, [engine]);
    const answer = await gql(lab.app, lab.tokens.redAdmin, REGISTER, {
      input: { name: `x-${engine}`, endpoints: [endpoint] },
    });
    assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', engine);
    assert.ok(answer.errors?.[0]?.message.includes(endpoint!.url), answer.errors?.[0]?.message);
  }
});

test('a tcp endpoint without TLS material is BAD_INPUT, and a viewer cannot register', async () => {
  const noTls = await gql(lab.app, lab.tokens.redAdmin, REGISTER, {
    input: { name: 'plain', endpoints: [{ url: 'tcp://192.168.77.11:2376' }] },
  });
  assert.equal(noTls.errors?.[0]?.extensions.code, 'BAD_INPUT');
  const viewer = await gql(lab.app, lab.tokens.redViewer, REGISTER, {
    input: { name: 'alpha2', endpoints: tlsEndpointsOf(lab.inventory, ['beta-m1']) },
  });
  assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
});

test('updateSwarm renames and relabels; unregister forgets the swarm without touching it', async () => {
  const updated = await gql<{
    updateSwarm: { swarm: { name: string; labels: { key: string; value: string }[] } };
  }>(
    lab.app,
    lab.tokens.blueAdmin,
    'mutation { updateSwarm(input: { swarm: "beta", name: "beta2", labels: [{ key: "tier", value: "gold" }] }) { swarm { name labels { key value } } } }',
  );
  assert.deepEqual(updated.data?.updateSwarm.swarm, {
    name: 'beta2',
    labels: [{ key: 'tier', value: 'gold' }],
  });
  const removed = await gql<{ unregisterSwarm: { name: string } }>(
    lab.app,
    lab.tokens.blueAdmin,
    'mutation { unregisterSwarm(input: { swarm: "beta2" }) { id name } }',
  );
  assert.equal(removed.data?.unregisterSwarm.name, 'beta2');
  const gone = await gql(lab.app, lab.tokens.blueAdmin, '{ swarm(id: "beta2") { id } }');
  assert.equal(gone.errors?.[0]?.extensions.code, 'NOT_FOUND');
  // The same cluster can be registered again afterwards.
  const again = await gql(lab.app, lab.tokens.blueAdmin, REGISTER, {
    input: { name: 'beta', endpoints: tlsEndpointsOf(lab.inventory, ['beta-m1']) },
  });
  assert.equal(again.errors, undefined, JSON.stringify(again.errors));
});
