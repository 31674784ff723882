// The quorum effect a plan reports: the guard's arithmetic before and after, and the refusal without force.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quorumJoinPlan, quorumPlan } from '../../../src/domain/plans/quorum-plan.ts';
import { node } from './plans-fixtures.ts';

const managers = (count: number, unreachable = 0) =>
  Array.from({ length: count }, (_, index) =>
    node(`m${index + 1}`, { role: 'manager', reachable: index >= unreachable }),
  );

test('demoting one of 3 managers: 3 -> 2, tolerates 1 -> 0, even, refused without force', () => {
  const nodes = [...managers(3), node('w1')];
  assert.deepEqual(quorumPlan(nodes, 'id-m2', 'loss'), {
    managersBefore: 3,
    managersAfter: 2,
    reachableBefore: 3,
    reachableAfter: 2,
    toleratesBefore: 1,
    toleratesAfter: 0,
    evenAfter: true,
    wouldRefuse: 'QUORUM_AT_RISK',
    needsForce: true,
  });
});

test('demoting one of 4 managers: odd afterwards, no refusal', () => {
  const plan = quorumPlan(managers(4), 'id-m1', 'loss');
  assert.equal(plan.managersAfter, 3);
  assert.equal(plan.toleratesBefore, 1);
  assert.equal(plan.toleratesAfter, 1);
  assert.equal(plan.evenAfter, false);
  assert.equal(plan.wouldRefuse, null);
});

test('a loss that loses quorum is refused even with force: not a matter of force', () => {
  // 3 managers, 1 unreachable: demoting a reachable one leaves 1 of 2 reachable, below the 2 needed.
  const plan = quorumPlan(managers(3, 1), 'id-m3', 'loss');
  assert.equal(plan.reachableAfter, 1);
  assert.equal(plan.wouldRefuse, 'QUORUM_AT_RISK');
  assert.equal(plan.needsForce, false);
});

test('promoting a worker to 4 managers is even; a worker demoted changes nothing', () => {
  const nodes = [...managers(3), node('w1')];
  const promote = quorumPlan(nodes, 'id-w1', 'gain');
  assert.equal(promote.managersAfter, 4);
  assert.equal(promote.reachableAfter, 4);
  assert.equal(promote.evenAfter, true);
  assert.equal(promote.wouldRefuse, 'QUORUM_AT_RISK');
  const none = quorumPlan(nodes, 'id-w1', 'loss');
  assert.equal(none.managersAfter, 3);
  assert.equal(none.evenAfter, false);
  assert.equal(none.wouldRefuse, null);
});

test('a manager joining: one more manager and reachable', () => {
  const plan = quorumJoinPlan(managers(1));
  assert.equal(plan.managersAfter, 2);
  assert.equal(plan.toleratesAfter, 0);
  assert.equal(plan.evenAfter, true);
});
