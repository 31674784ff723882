// The rolling maintenance's pure rules: node order and batches, label selectors, the floors a drain must keep, and
// the input's bounds (BAD_INPUT naming the field).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DockerNode, DockerService, DockerTask } from '../../../src/docker/types.ts';
import {
  batchesOf,
  belowFloor,
  checkMaintenanceSettings,
  floorChecks,
  orderMaintenance,
  parseLabelSelector,
  selectNodes,
} from '../../../src/domain/maintenance.ts';
import { GatewayError } from '../../../src/errors.ts';

const node = (id: string, role: 'worker' | 'manager', labels: Record<string, string> = {}) =>
  ({
    ID: id,
    Description: { Hostname: id },
    Spec: { Role: role, Availability: 'active', Labels: labels },
    Status: { State: 'ready' },
  }) as unknown as DockerNode;

const service = (id: string, replicas: number | null) =>
  ({
    ID: id,
    Spec: {
      Name: `svc-${id}`,
      Mode: replicas === null ? { Global: {} } : { Replicated: { Replicas: replicas } },
    },
  }) as unknown as DockerService;

const task = (serviceId: string, nodeId: string, state = 'running') =>
  ({ ServiceID: serviceId, NodeID: nodeId, DesiredState: 'running', Status: { State: state } }) as DockerTask;

const NODES = [
  node('m2', 'manager'),
  node('w2', 'worker', { rack: 'b' }),
  node('m1', 'manager'),
  node('w1', 'worker'),
];

test('workers first, then managers; a list keeps its order within each role, a selection is by hostname', () => {
  assert.deepEqual(
    orderMaintenance(NODES, true).map((one) => one.hostname),
    ['w2', 'w1', 'm2', 'm1'],
  );
  assert.deepEqual(
    orderMaintenance(NODES, false).map((one) => one.hostname),
    ['w1', 'w2', 'm1', 'm2'],
  );
});

test('workers go batchSize at a time, managers always one at a time', () => {
  const plan = orderMaintenance([...NODES, node('w3', 'worker'), node('m3', 'manager')], false);
  assert.deepEqual(
    batchesOf(plan, 2).map((batch) => batch.map((one) => one.hostname)),
    [['w1', 'w2'], ['w3'], ['m1'], ['m2'], ['m3']],
  );
});

test('role and label selectors', () => {
  assert.deepEqual(
    selectNodes(NODES, { role: 'manager' }).map((one) => one.ID),
    ['m2', 'm1'],
  );
  assert.deepEqual(
    selectNodes(NODES, { label: 'rack=b' }).map((one) => one.ID),
    ['w2'],
  );
  assert.deepEqual(
    selectNodes(NODES, { label: 'rack' }).map((one) => one.ID),
    ['w2'],
  );
  assert.deepEqual(selectNodes(NODES, { label: 'rack=a' }), []);
  assert.deepEqual(parseLabelSelector('env=prod=1'), { key: 'env', value: 'prod=1' });
  assert.throws(() => parseLabelSelector('=x'), GatewayError);
});

test('floors: desired − 1 by default, minAvailable by name, global services and services elsewhere left out', () => {
  const services = [service('a', 4), service('b', 2), service('g', null), service('c', 1)];
  const tasks = [
    task('a', 'w1'),
    task('a', 'w1'),
    task('a', 'w2'),
    task('a', 'w2'),
    task('b', 'w1'),
    task('b', 'w2', 'starting'),
    task('g', 'w1'),
    task('c', 'w2'),
  ];
  const checks = floorChecks(services, tasks, new Set(['w1']), [{ service: 'svc-b', replicas: 1 }]);
  assert.deepEqual(
    checks.map((check) => [check.service, check.floor, check.elsewhere, check.onLeaving]),
    [
      ['svc-a', 3, 2, 2],
      ['svc-b', 1, 0, 1],
    ],
  );
  assert.deepEqual(
    belowFloor(checks).map((check) => check.service),
    ['svc-a', 'svc-b'],
  );
  // A service scaled up for the drain keeps the floor of its replicas before.
  const surged = floorChecks(
    [service('a', 5)],
    [...tasks, task('a', 'w2')],
    new Set(['w1']),
    [],
    new Map([['a', 4]]),
  );
  assert.deepEqual(
    surged.map((check) => [check.desired, check.floor, check.elsewhere]),
    [[4, 3, 3]],
  );
  assert.deepEqual(belowFloor(surged), []);
  // Never below 0.
  assert.equal(floorChecks([service('z', 0)], [task('z', 'w1')], new Set(['w1']), [])[0]?.floor, 0);
});

test('settings out of bounds are BAD_INPUT naming the field', () => {
  const ok = {
    batchSize: 1,
    pauseSeconds: 0,
    waitForSignal: false,
    timeoutSeconds: 600,
    minAvailable: [],
    rebalance: [],
  };
  checkMaintenanceSettings(ok);
  checkMaintenanceSettings({ ...ok, pauseSeconds: null, waitForSignal: true });
  const cases: [object, RegExp][] = [
    [{ batchSize: 0 }, /batchSize/],
    [{ batchSize: 1.5 }, /batchSize/],
    [{ pauseSeconds: -1 }, /pauseSeconds/],
    [{ pauseSeconds: 5, waitForSignal: true }, /either pauseSeconds or waitForSignal/],
    [{ timeoutSeconds: 0 }, /timeoutSeconds/],
    [{ minAvailable: [{ service: ' ', replicas: 1 }] }, /minAvailable\[0\]\.service/],
    [{ minAvailable: [{ service: 'a', replicas: -1 }] }, /minAvailable\[0\]\.replicas/],
    [
      {
        minAvailable: [
          { service: 'a', replicas: 1 },
          { service: 'a', replicas: 2 },
        ],
      },
      /twice/,
    ],
    [{ rebalance: [''] }, /rebalance\[0\]/],
  ];
  for (const [change, message] of cases) {
    assert.throws(
      () => checkMaintenanceSettings({ ...ok, ...change }),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'BAD_INPUT' && message.test(error.message),
      JSON.stringify(change),
    );
  }
});
