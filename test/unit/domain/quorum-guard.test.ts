// The quorum guard as a pure function of a node list: which promotions, demotions and removals it refuses, and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DockerNode } from '../../../src/docker/types.ts';
import { GatewayError } from '../../../src/errors.ts';
import { checkManagerGain, checkManagerLoss, currentQuorum } from '../../../src/domain/quorum-guard.ts';

type Kind = 'leader' | 'reachable' | 'unreachable' | 'worker' | 'down-worker' | 'joining';

/** A node as `docker node ls` lists it, reduced to what the guard reads. */
function node(name: string, kind: Kind): DockerNode {
  const manager = kind === 'leader' || kind === 'reachable' || kind === 'unreachable' || kind === 'joining';
  return {
    ID: `id-${name}`,
    Version: { Index: 1 },
    CreatedAt: '2026-01-01T00:00:00Z',
    UpdatedAt: '2026-01-01T00:00:00Z',
    Spec: { Role: manager ? 'manager' : 'worker', Availability: 'active' },
    Description: { Hostname: name },
    Status: { State: kind === 'unreachable' || kind === 'down-worker' ? 'down' : 'ready' },
    ...(manager && kind !== 'joining'
      ? {
          ManagerStatus: {
            Leader: kind === 'leader',
            Reachability: kind === 'unreachable' ? 'unreachable' : 'reachable',
          },
        }
      : {}),
  };
}

const swarm = (...kinds: Kind[]) => kinds.map((kind, index) => node(`n${index + 1}`, kind));

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.code, 'QUORUM_AT_RISK');
    return error;
  }
  assert.fail('expected QUORUM_AT_RISK');
}

test('counts managers by desired role, reachable ones by manager status', () => {
  assert.deepEqual(currentQuorum(swarm('leader', 'reachable', 'unreachable', 'worker')), {
    managers: 3,
    reachable: 2,
    needed: 2,
    tolerates: 0,
    hasQuorum: true,
  });
  // A node being promoted is a manager already, not yet reachable.
  assert.equal(currentQuorum(swarm('leader', 'joining')).reachable, 1);
});

test('demoting one of three healthy managers is refused without force: two is even; the message gives counts', () => {
  const nodes = swarm('leader', 'reachable', 'reachable', 'worker');
  const error = refusal(() => checkManagerLoss(nodes, 'id-n3', { swarmName: 'alpha' }));
  assert.match(error.message, /demoting n3 would leave 2 managers, an even number/);
  assert.match(error.message, /swarm "alpha" has 3 managers, 3 reachable/);
  assert.match(error.message, /would tolerate 0 failures/);
  assert.match(error.message, /force: true/);
  assert.equal(error.details?.managers, 3);
  assert.equal(error.details?.reachable, 3);
  assert.equal(error.details?.tolerates, 0);
});

test('with force the same demote passes and says it was forced', () => {
  const assessment = checkManagerLoss(swarm('leader', 'reachable', 'reachable'), 'id-n3', { force: true });
  assert.equal(assessment.changes, true);
  assert.equal(assessment.forced, true);
  assert.deepEqual(assessment.after, { managers: 2, reachable: 2, needed: 2, tolerates: 0, hasQuorum: true });
});

test('a demote that would lose quorum with another manager down is refused even with force', () => {
  const nodes = swarm('leader', 'reachable', 'unreachable');
  const error = refusal(() => checkManagerLoss(nodes, 'id-n2', { force: true, swarmName: 'alpha' }));
  assert.match(error.message, /demoting n2 would lose quorum/);
  assert.match(error.message, /3 managers, 2 reachable/);
  assert.match(error.message, /2 managers with 1 reachable, would need 2 for quorum and would tolerate 0/);
  assert.match(error.message, /Refused even with force/);
  assert.match(error.message, /\(n3\)/);
  assert.deepEqual(error.details?.unreachableManagers, ['n3']);
});

test('demoting the unreachable manager itself keeps quorum (with force, as two is even)', () => {
  const nodes = swarm('leader', 'reachable', 'unreachable');
  refusal(() => checkManagerLoss(nodes, 'id-n3'));
  const assessment = checkManagerLoss(nodes, 'id-n3', { force: true });
  assert.deepEqual(assessment.after, { managers: 2, reachable: 2, needed: 2, tolerates: 0, hasQuorum: true });
});

test('five managers: demoting one needs force (four), demoting from five with two down loses quorum', () => {
  const healthy = swarm('leader', 'reachable', 'reachable', 'reachable', 'reachable');
  refusal(() => checkManagerLoss(healthy, 'id-n5'));
  assert.equal(checkManagerLoss(healthy, 'id-n5', { force: true }).after.tolerates, 1);
  const twoDown = swarm('leader', 'reachable', 'reachable', 'unreachable', 'unreachable');
  // 5 → 4 managers with 2 reachable, needing 3.
  refusal(() => checkManagerLoss(twoDown, 'id-n2', { force: true }));
});

test('a swarm that has lost quorum refuses any manager change, even with force', () => {
  const lost = swarm('leader', 'unreachable', 'unreachable', 'worker');
  const error = refusal(() => checkManagerLoss(lost, 'id-n2', { force: true, swarmName: 'alpha' }));
  assert.match(error.message, /has lost quorum already/);
  refusal(() => checkManagerGain(lost, 'id-n4', { force: true }));
});

test('the last manager is never demoted or removed', () => {
  const error = refusal(() =>
    checkManagerLoss(swarm('leader', 'worker'), 'id-n1', { force: true, verb: 'removing' }),
  );
  assert.match(error.message, /removing n1 is refused: it is the last manager/);
});

test('a worker has nothing to lose: the loss check passes without a change', () => {
  const assessment = checkManagerLoss(swarm('leader', 'worker'), 'id-n2');
  assert.equal(assessment.changes, false);
});

test('promoting: 2 → 3 passes without force, 1 → 2 and 3 → 4 need force', () => {
  assert.equal(checkManagerGain(swarm('leader', 'reachable', 'worker'), 'id-n3').forced, false);
  const two = refusal(() => checkManagerGain(swarm('leader', 'worker'), 'id-n2', { swarmName: 'alpha' }));
  assert.match(two.message, /promoting n2 would leave 2 managers, an even number/);
  assert.equal(checkManagerGain(swarm('leader', 'worker'), 'id-n2', { force: true }).forced, true);
  refusal(() => checkManagerGain(swarm('leader', 'reachable', 'reachable', 'worker'), 'id-n4'));
});

test('promoting a Down node that would make quorum depend on it is refused even with force', () => {
  // 3 managers, 2 reachable; a 4th that is down: 4 managers, 2 reachable, needing 3.
  const nodes = swarm('leader', 'reachable', 'unreachable', 'down-worker');
  const error = refusal(() => checkManagerGain(nodes, 'id-n4', { force: true }));
  assert.match(error.message, /promoting n4 would lose quorum/);
  assert.match(error.message, /down, not ready/);
});

test('promoting a manager changes nothing; an unknown node is NOT_FOUND', () => {
  assert.equal(checkManagerGain(swarm('leader', 'reachable', 'reachable'), 'id-n2').changes, false);
  assert.throws(
    () => checkManagerGain(swarm('leader'), 'id-zz'),
    (error: unknown) => error instanceof GatewayError && error.code === 'NOT_FOUND',
  );
});

test('keepOdd: false (a caller that does not ask for an odd count) still refuses a loss of quorum', () => {
  const nodes = swarm('leader', 'reachable', 'reachable');
  assert.equal(checkManagerLoss(nodes, 'id-n3', { keepOdd: false }).forced, false);
  refusal(() => checkManagerLoss(swarm('leader', 'reachable', 'unreachable'), 'id-n1', { keepOdd: false }));
});
