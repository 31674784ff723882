// The drain plan: which tasks move, where they could go, and which no other node can take (constraints, max replicas
// per node, resources, unavailable nodes); a global service's task stops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drainPlan, drainSummary } from '../../../src/domain/plans/drain-plan.ts';
import { node, service, task } from './plans-fixtures.ts';

const m1 = node('m1', { role: 'manager' });
const w1 = node('w1', { labels: { disk: 'ssd' } });
const w2 = node('w2');

test('tasks that fit elsewhere move, with their candidates', () => {
  const web = service('web', { replicas: 2 });
  const plan = drainPlan({
    nodes: [m1, w1, w2],
    services: [web],
    tasks: [task(web, w1, 1), task(web, w2, 2)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  assert.equal(plan.tasks.length, 1);
  assert.deepEqual(plan.tasks[0]?.candidates, ['m1', 'w2']);
  assert.equal(plan.tasks[0]?.fits, true);
  assert.equal(plan.tasks[0]?.slot, 1);
  assert.deepEqual(plan.unschedulable, []);
  assert.equal(plan.quorumNote, null);
  assert.match(drainSummary(plan), /would drain w1: 1 task\(s\) move/);
});

test('a constraint only the drained node satisfies leaves the task unschedulable', () => {
  const db = service('db', { constraints: ['node.labels.disk==ssd'] });
  const plan = drainPlan({
    nodes: [m1, w1, w2],
    services: [db],
    tasks: [task(db, w1, 1)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  assert.equal(plan.unschedulable.length, 1);
  assert.match(plan.unschedulable[0]?.reason ?? '', /constraint node\.labels\.disk==ssd/);
  assert.match(drainSummary(plan), /1 unschedulable/);
});

test('max replicas per node counts the tasks already there and those the plan placed', () => {
  const api = service('api', { maxReplicas: 1, replicas: 3 });
  const plan = drainPlan({
    nodes: [w1, w2],
    services: [api],
    tasks: [task(api, w1, 1), task(api, w1, 2), task(api, w2, 3)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  assert.equal(plan.unschedulable.length, 2);
  assert.match(plan.unschedulable[0]?.reason ?? '', /max 1 replicas per node/);
});

test('resources: the free capacity is the node’s minus what its tasks reserve, and fills up as tasks are placed', () => {
  const big = service('big', { cpus: 1.5, replicas: 2 });
  const small = service('small', { cpus: 0.25 });
  const roomy = node('roomy', { cpus: 2 });
  const plan = drainPlan({
    nodes: [w1, roomy],
    services: [big, small],
    tasks: [task(big, w1, 1), task(big, w1, 2), task(small, roomy, 1)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  // 2 CPUs - 0.25 = 1.75 free: one big task fits, the second does not.
  assert.equal(plan.tasks.filter((moved) => moved.fits).length, 1);
  assert.equal(plan.unschedulable.length, 1);
  assert.match(plan.unschedulable[0]?.reason ?? '', /CPUs reserved/);
});

test('paused, drained and down nodes take nothing', () => {
  const web = service('web');
  const plan = drainPlan({
    nodes: [
      w1,
      node('p', { availability: 'pause' }),
      node('d', { availability: 'drain' }),
      node('x', { state: 'down' }),
    ],
    services: [web],
    tasks: [task(web, w1, 1)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  assert.equal(plan.unschedulable.length, 1);
  assert.match(plan.unschedulable[0]?.reason ?? '', /no other Active, Ready node/);
});

test('a global service’s task stops, it does not move', () => {
  const agent = service('agent', { global: true });
  const plan = drainPlan({
    nodes: [w1, w2],
    services: [agent],
    tasks: [task(agent, w1), task(agent, w2)],
    nodeId: w1.ID,
    availability: 'drain',
  });
  assert.deepEqual(plan.tasks, []);
  assert.equal(plan.stopping.length, 1);
  assert.match(plan.stopping[0]?.reason ?? '', /global/);
});

test('pausing moves nothing; draining a manager says quorum is unchanged', () => {
  const web = service('web');
  const paused = drainPlan({
    nodes: [m1, w1],
    services: [web],
    tasks: [task(web, m1, 1)],
    nodeId: m1.ID,
    availability: 'pause',
  });
  assert.equal(paused.staying, 1);
  assert.deepEqual(paused.tasks, []);
  assert.equal(paused.quorum, null);
  assert.match(paused.quorumNote ?? '', /does not change quorum/);
});
