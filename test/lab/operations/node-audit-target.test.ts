// Refused node operations against the lab are found by their node: every event of the operation, `requested`
// included, names the node in its target (resolved from the swarm, or as the caller gave it when it names no node),
// so that `GET /v1/audit?node=<id or hostname>` finds it. Nothing here changes the swarm.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DockerNode } from '../../../src/docker/types.ts';
import type { AuditEventView } from '../../../src/queries/views.ts';
import { dockerFor, labEngine, nodeByHostname } from '../../helpers/lab.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
let admin: string;
let operator: string;

const SET = `mutation ($input: SetNodeAvailabilityInput!) { setNodeAvailability(input: $input) { id } }`;
const DEMOTE = `mutation ($input: DemoteNodeInput!) { demoteNode(input: $input) { id } }`;

before(async () => {
  lab = await setupRedBlue();
  admin = tokenFor('red', ['admin'], { sub: 'ada' });
  operator = tokenFor('red', ['operator'], { sub: 'alice', act: { sub: 'chatops-bot' } });
});

after(async () => {
  await lab?.subject.close();
});

const nodeNamed = (hostname: string): Promise<DockerNode> =>
  nodeByHostname(dockerFor(labEngine(lab.inventory, 'alpha-m1')), hostname, 'alpha');

/** GET /v1/audit with this query, as red's admin: the events, newest first. */
async function audit(query: string): Promise<AuditEventView[]> {
  const response = await lab.app.inject({
    method: 'GET',
    url: `/v1/audit?${query}`,
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: AuditEventView[] }>().items;
}

/** The events of the one operation `?node=<ref>&action=<action>` finds, oldest first; there must be one. */
async function operationFoundBy(ref: string, action: string): Promise<AuditEventView[]> {
  const events = await audit(`node=${encodeURIComponent(ref)}&action=${action}`);
  const operations = new Set(events.map((event) => event.operationId));
  assert.equal(operations.size, 1, `one ${action} operation on ${ref}: ${JSON.stringify(events)}`);
  return events.reverse();
}

test('a demote refused for quorum is found by the node’s hostname and by its id, requested and refused', async () => {
  const node = await nodeNamed('alpha-m3');
  const answer = await gql(lab.app, admin, DEMOTE, {
    input: { swarm: 'alpha', node: 'alpha-m3', reason: 'hardware swap' },
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'QUORUM_AT_RISK', JSON.stringify(answer.errors));

  const byName = await operationFoundBy('alpha-m3', 'node.demote');
  assert.deepEqual(
    byName.map((event) => [event.outcome, event.errorCode]),
    [
      ['REQUESTED', null],
      ['REFUSED', 'QUORUM_AT_RISK'],
    ],
  );
  for (const event of byName) {
    assert.equal(event.target.nodeId, node.ID, `${event.outcome} names the node's id`);
    assert.equal(event.target.nodeName, 'alpha-m3', `${event.outcome} names the node's hostname`);
    assert.equal(event.target.swarmName, 'alpha');
  }
  const byId = await operationFoundBy(node.ID, 'node.demote');
  assert.deepEqual(
    byId.map((event) => event.id),
    byName.map((event) => event.id),
  );
  assert.equal((await nodeNamed('alpha-m3')).Spec.Role, 'manager', 'nothing changed');
});

test('a drain refused for bad input, or for a caller who may not, names the node even when given by an id prefix', async () => {
  const node = await nodeNamed('alpha-w1');
  const badTimeout = await gql(lab.app, operator, SET, {
    input: { swarm: 'alpha', node: 'alpha-w1', availability: 'DRAIN', timeoutSeconds: 0 },
  });
  assert.equal(badTimeout.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(badTimeout.errors));
  const refused = await operationFoundBy(node.ID, 'node.drain');
  assert.deepEqual(
    refused.map((event) => [event.outcome, event.errorCode, event.target.nodeName]),
    [
      ['REQUESTED', null, 'alpha-w1'],
      ['REFUSED', 'BAD_INPUT', 'alpha-w1'],
    ],
  );
  assert.equal(refused[0]?.actor.sub, 'alice');

  // A viewer may not drain: refused before any check of the node, yet its events name the node the prefix names.
  const prefix = node.ID.slice(0, 8);
  const forbidden = await gql(lab.app, lab.tokens.redViewer, SET, {
    input: { swarm: 'alpha', node: prefix, availability: 'PAUSE' },
  });
  assert.equal(forbidden.errors?.[0]?.extensions.code, 'FORBIDDEN', JSON.stringify(forbidden.errors));
  const paused = await operationFoundBy('alpha-w1', 'node.pause');
  assert.deepEqual(
    paused.map((event) => [event.outcome, event.errorCode, event.target.nodeId, event.target.nodeName]),
    [
      ['REQUESTED', null, node.ID, 'alpha-w1'],
      ['REFUSED', 'FORBIDDEN', node.ID, 'alpha-w1'],
    ],
  );
  assert.deepEqual(paused[0]?.parameters, { node: prefix, availability: 'pause' }, 'as the caller gave it');
  assert.equal((await nodeNamed('alpha-w1')).Spec.Availability, 'active', 'nothing changed');
});

test('an operation on a node the swarm does not have is found by the name it was given', async () => {
  const answer = await gql(lab.app, operator, SET, {
    input: { swarm: 'alpha', node: 'no-such-node', availability: 'ACTIVE' },
  });
  assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND', JSON.stringify(answer.errors));
  const events = await operationFoundBy('no-such-node', 'node.activate');
  assert.deepEqual(
    events.map((event) => [event.outcome, event.errorCode, event.target.nodeId, event.target.nodeName]),
    [
      ['REQUESTED', null, null, 'no-such-node'],
      ['REFUSED', 'NOT_FOUND', null, 'no-such-node'],
    ],
  );
  // Another tenant's admin does not see them.
  const blue = await lab.app.inject({
    method: 'GET',
    url: '/v1/audit?node=no-such-node',
    headers: { authorization: `Bearer ${lab.tokens.blueAdmin}` },
  });
  assert.equal(blue.statusCode, 200, blue.body);
  assert.deepEqual(blue.json<{ items: unknown[] }>().items, []);
});
