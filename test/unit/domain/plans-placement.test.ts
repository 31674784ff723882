// Placement as the plans evaluate it: constraints (node.id, hostname, role, platform, node and engine labels, == and
// !=), and free resources.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  constraintHolds,
  failedConstraint,
  parseConstraint,
  resourceShortfall,
} from '../../../src/domain/plans/placement.ts';
import { node } from './plans-fixtures.ts';

const w1 = node('w1', { labels: { zone: 'eu', disk: 'ssd' }, engineLabels: { gpu: 'yes' } });
const m1 = node('m1', { role: 'manager' });

const holds = (target: typeof w1, text: string) => {
  const constraint = parseConstraint(text);
  assert.ok(constraint, `parses ${text}`);
  return constraintHolds(target, constraint);
};

test('parses == and != with spaces, refuses what Docker refuses', () => {
  assert.deepEqual(parseConstraint('node.role == manager'), {
    key: 'node.role',
    operator: '==',
    value: 'manager',
  });
  assert.deepEqual(parseConstraint('node.labels.a!=b'), { key: 'node.labels.a', operator: '!=', value: 'b' });
  assert.equal(parseConstraint('node.role=manager'), null);
  assert.equal(parseConstraint('==manager'), null);
  assert.equal(parseConstraint('node.role=='), null);
});

test('node fields: id, hostname, role, platform', () => {
  assert.equal(holds(w1, `node.id==${w1.ID}`), true);
  assert.equal(holds(w1, 'node.hostname==w1'), true);
  assert.equal(holds(w1, 'node.hostname!=w1'), false);
  assert.equal(holds(w1, 'node.role==worker'), true);
  assert.equal(holds(m1, 'node.role==worker'), false);
  assert.equal(holds(m1, 'node.role!=worker'), true);
  assert.equal(holds(w1, 'node.platform.os==linux'), true);
  assert.equal(holds(w1, 'node.platform.arch==aarch64'), false);
  // Values compare case-insensitively, as swarmkit does.
  assert.equal(holds(w1, 'node.hostname==W1'), true);
});

test('node and engine labels; a missing label is empty: != holds, == does not', () => {
  assert.equal(holds(w1, 'node.labels.zone==eu'), true);
  assert.equal(holds(w1, 'node.labels.zone==us'), false);
  assert.equal(holds(w1, 'node.labels.zone!=us'), true);
  assert.equal(holds(m1, 'node.labels.zone==eu'), false);
  assert.equal(holds(m1, 'node.labels.zone!=eu'), true);
  assert.equal(holds(w1, 'engine.labels.gpu==yes'), true);
  assert.equal(holds(m1, 'engine.labels.gpu==yes'), false);
});

test('an unknown key holds on no node', () => {
  assert.equal(holds(w1, 'node.colour==blue'), false);
  assert.equal(holds(w1, 'node.colour!=blue'), false);
});

test('failedConstraint names the first constraint a node fails', () => {
  assert.equal(failedConstraint(w1, ['node.role==worker', 'node.labels.disk==ssd']), null);
  assert.equal(failedConstraint(w1, ['node.role==worker', 'node.labels.zone==us']), 'node.labels.zone==us');
  assert.equal(failedConstraint(w1, ['bogus']), 'bogus');
});

test('resources: CPUs first, then memory; a fit is null', () => {
  assert.equal(
    resourceShortfall({ nanoCpus: 1e9, memoryBytes: 1e9 }, { nanoCpus: 2e9, memoryBytes: 2e9 }),
    null,
  );
  assert.match(
    resourceShortfall({ nanoCpus: 3e9, memoryBytes: 0 }, { nanoCpus: 2e9, memoryBytes: 2e9 }) ?? '',
    /3 CPUs reserved, 2 free/,
  );
  assert.match(
    resourceShortfall({ nanoCpus: 0, memoryBytes: 3e9 }, { nanoCpus: 2e9, memoryBytes: 2e9 }) ?? '',
    /memory/,
  );
});
