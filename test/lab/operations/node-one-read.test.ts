// promoteNode, demoteNode and removeNode read the swarm's nodes once per request: the node their audit events name and
// the quorum check come from the same live listing. A reachable swarm costs one `node.list`; an unreachable one one
// Docker time-out before SWARM_UNREACHABLE, not one for the audit's target and another for the check. Run with the
// swarm state on (the default) and off. beta-m1's link is cut in one test and healed after it; nothing is changed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DockerCallEvent } from '../../../src/docker/swarm-client.ts';
import type { DockerNode } from '../../../src/docker/types.ts';
import type { AuditEventView } from '../../../src/queries/views.ts';
import {
  dockerFor,
  labEngine,
  nodeByHostname,
  runLabCli,
  swarmHealthy,
  waitUntil,
} from '../../helpers/lab.ts';
import { gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const TIMEOUT_MS = 1500;
const MODES = ['on', 'off'] as const;
type CacheMode = (typeof MODES)[number];

const PROMOTE = `mutation ($input: PromoteNodeInput!) { promoteNode(input: $input) { id } }`;
const DEMOTE = `mutation ($input: DemoteNodeInput!) { demoteNode(input: $input) { id } }`;
const REMOVE = `mutation ($input: RemoveNodeInput!) { removeNode(input: $input) { id } }`;

const labs = new Map<CacheMode, RedBlue>();
let nodes: { m1: DockerNode; w1: DockerNode };
let cut = false;

const betaHealthy = (timeoutMs = 120_000) =>
  waitUntil('beta healthy', () => swarmHealthy(labs.get('on')!.inventory, 'beta'), timeoutMs, 500);

before(async () => {
  for (const mode of MODES) {
    labs.set(
      mode,
      await setupRedBlue({ SWARMGATE_DOCKER_TIMEOUT_MS: String(TIMEOUT_MS), SWARMGATE_CACHE: mode }),
    );
  }
  await betaHealthy(30_000);
  const docker = dockerFor(labEngine(labs.get('on')!.inventory, 'beta-m1'));
  nodes = {
    m1: await nodeByHostname(docker, 'beta-m1', 'beta'),
    w1: await nodeByHostname(docker, 'beta-w1', 'beta'),
  };
});

/** Brings beta-m1's link back and waits until beta is healthy again (also after a failed test). */
async function heal(): Promise<void> {
  if (!cut) return;
  const healed = await runLabCli(['heal', 'beta-m1']);
  assert.equal(healed.code, 0, healed.stderr);
  cut = false;
  await betaHealthy();
}

after(async () => {
  await heal();
  for (const lab of labs.values()) await lab.subject.close();
});

interface Attempt {
  name: string;
  mutation: string;
  action: string;
  input: Record<string, unknown>;
}

/** Three refusals that change nothing in beta (one manager, one worker). */
const ATTEMPTS: Attempt[] = [
  { name: 'promote beta-w1', mutation: PROMOTE, action: 'node.promote', input: { node: 'beta-w1' } },
  {
    name: 'demote beta-m1',
    mutation: DEMOTE,
    action: 'node.demote',
    input: { node: 'beta-m1', reason: 'one read' },
  },
  {
    name: 'remove beta-m1',
    mutation: REMOVE,
    action: 'node.remove',
    input: { node: 'beta-m1', reason: 'one read' },
  },
];

/** Runs the attempt as beta's admin: its error, how long it took and the Docker calls it made to beta, by operation. */
async function attempt(lab: RedBlue, which: Attempt) {
  const calls: DockerCallEvent[] = [];
  const stop = lab.app.swarmClients.onCall((event) => {
    if (event.swarm === 'beta') calls.push(event);
  });
  const started = Date.now();
  try {
    const answer = await gql(lab.app, lab.tokens.blueAdmin, which.mutation, {
      input: { swarm: 'beta', ...which.input },
    });
    const ms = Date.now() - started;
    assert.equal(answer.errors?.length, 1, `${which.name}: ${JSON.stringify(answer)}`);
    return {
      error: answer.errors[0]!,
      ms,
      nodeLists: calls.filter((call) => call.operation === 'node.list'),
    };
  } finally {
    stop();
  }
}

/** The events of the newest operation of `action` on the node `?node=` finds, oldest first. */
async function lastOperation(lab: RedBlue, action: string, node: string): Promise<AuditEventView[]> {
  const response = await lab.app.inject({
    method: 'GET',
    url: `/v1/audit?action=${action}&node=${encodeURIComponent(node)}`,
    headers: { authorization: `Bearer ${lab.tokens.blueAdmin}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  const items = response.json<{ items: AuditEventView[] }>().items;
  assert.ok(items[0], `an event of ${action} on ${node}`);
  return items.filter((event) => event.operationId === items[0]!.operationId).reverse();
}

// First, while no gateway has read beta yet (nothing watches it): the costliest case.
test('with beta-m1 cut off, promote, demote and remove wait for one Docker time-out before SWARM_UNREACHABLE', async (t) => {
  const cutOff = await runLabCli(['cut', 'beta-m1']);
  assert.equal(cutOff.code, 0, cutOff.stderr);
  cut = true;
  t.after(heal);
  for (const mode of MODES) {
    const lab = labs.get(mode)!;
    for (const which of ATTEMPTS) {
      const { error, ms, nodeLists } = await attempt(lab, which);
      console.log(
        `cache ${mode}, ${which.name} with beta unreachable: ${error.extensions.code} after ${ms} ms, ` +
          `${nodeLists.length} node.list call(s) (Docker time-out ${TIMEOUT_MS} ms)`,
      );
      assert.equal(error.extensions.code, 'SWARM_UNREACHABLE', `${which.name}: ${error.message}`);
      assert.match(error.message, /swarm "beta" is unreachable/);
      assert.equal(nodeLists.length, 1, `${which.name} listed beta's nodes ${nodeLists.length} times`);
      // Two time-outs (the audit's lookup, then the check's) would take 2 * TIMEOUT_MS at least.
      assert.ok(
        ms < TIMEOUT_MS + 1000,
        `${which.name} was refused after ${ms} ms; the time-out is ${TIMEOUT_MS} ms`,
      );
      // Requested, then failed (the swarm did not answer: not a refusal), both naming the node as it was given.
      const events = await lastOperation(lab, which.action, String(which.input.node));
      assert.deepEqual(
        events.map((event) => [event.outcome, event.errorCode, event.target.nodeName]),
        [
          ['REQUESTED', null, which.input.node],
          ['FAILED', 'SWARM_UNREACHABLE', which.input.node],
        ],
        `${mode}: ${which.name}`,
      );
    }
  }
});

for (const mode of MODES) {
  test(`cache ${mode}: a refused promote, demote or remove lists beta's nodes once, and its events name the node`, async () => {
    const lab = labs.get(mode)!;
    for (const which of ATTEMPTS) {
      const { error, nodeLists } = await attempt(lab, which);
      assert.equal(error.extensions.code, 'QUORUM_AT_RISK', `${which.name}: ${error.message}`);
      // With the counts the live listing shows: one manager, reachable.
      const { details } = error.extensions as { details?: { managers: number; reachable: number } };
      assert.deepEqual(
        { managers: details?.managers, reachable: details?.reachable },
        { managers: 1, reachable: 1 },
        which.name,
      );
      assert.equal(nodeLists.length, 1, `${which.name} listed beta's nodes ${nodeLists.length} times`);
      const node = which.input.node === 'beta-w1' ? nodes.w1 : nodes.m1;
      const events = await lastOperation(lab, which.action, node.ID);
      assert.deepEqual(
        events.map((event) => [event.outcome, event.errorCode, event.target.nodeId, event.target.nodeName]),
        [
          ['REQUESTED', null, node.ID, which.input.node],
          ['REFUSED', 'QUORUM_AT_RISK', node.ID, which.input.node],
        ],
        which.name,
      );
    }
  });
}
