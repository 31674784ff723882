// A service's plan: the spec diff (Env by variable name only, never a value) and the replicas before and after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  serviceCreatePlan,
  serviceRollbackPlan,
  serviceScalePlan,
  serviceSummary,
  serviceUpdatePlan,
} from '../../../src/domain/plans/service-plan.ts';
import { service } from './plans-fixtures.ts';

test('an update: the image old -> new, Env by name, replicas unchanged', () => {
  const web = service('web', { replicas: 2 });
  web.Spec.TaskTemplate.ContainerSpec = { Image: 'swarmgate/probe:1', Env: ['KEEP=1', 'TOKEN=old-secret'] };
  const plan = serviceUpdatePlan(web, {
    service: 'web',
    image: 'swarmgate/probe:2',
    env: ['KEEP=1', 'TOKEN=new-secret'],
  });
  const image = plan.diff.find((change) => change.path.endsWith('ContainerSpec.Image'));
  assert.deepEqual([image?.from, image?.to], ['swarmgate/probe:1', 'swarmgate/probe:2']);
  const env = plan.diff.find((change) => change.path.endsWith('ContainerSpec.Env'));
  assert.deepEqual(env?.variables, ['TOKEN']);
  assert.doesNotMatch(JSON.stringify(plan), /secret/);
  assert.deepEqual(plan.replicas, { before: 2, after: 2 });
  assert.match(serviceSummary('update', plan), /would update service web: 2 field\(s\) change/);
});

test('scale, rollback and create', () => {
  const web = service('web', { replicas: 2 });
  assert.deepEqual(serviceScalePlan(web, 5).replicas, { before: 2, after: 5 });
  assert.equal(serviceRollbackPlan(web).unchanged, true, 'no previous spec: nothing to roll back to');
  web.PreviousSpec = { ...web.Spec, Labels: { step: '1' } };
  assert.ok(serviceRollbackPlan(web).diff.some((change) => change.path.startsWith('Labels')));
  const created = serviceCreatePlan({ name: 'api', image: 'swarmgate/probe:1', replicas: 3 });
  assert.deepEqual(created.replicas, { before: null, after: 3 });
  assert.match(serviceSummary('create', created), /field\(s\) set, replicas none -> 3/);
});

test('an update that changes nothing says so; an invalid one is refused as the request would be', () => {
  const web = service('web');
  assert.equal(serviceUpdatePlan(web, { service: 'web', image: 'swarmgate/probe:1' }).unchanged, true);
  assert.throws(() => serviceUpdatePlan(web, { service: 'web', mode: 'GLOBAL' }), /mode/);
});
