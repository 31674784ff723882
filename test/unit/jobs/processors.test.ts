// Typed jobs: every job type has its processor, and a record that leaves one out does not type-check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROCESSORS, type Processors } from '../../../src/jobs/processors/index.ts';
import { isJobType } from '../../../src/jobs/types.ts';

test('every job type has a processor, and every processor a job type', () => {
  const types = Object.keys(PROCESSORS);
  assert.equal(types.length, 26);
  for (const type of types) {
    assert.ok(isJobType(type), type);
    assert.equal(typeof PROCESSORS[type], 'function', type);
  }
  assert.ok(!isJobType('node.availability'));
  assert.ok(!isJobType('toString'));
});

test('a processor left out of the record is a type error (tsc checks this file in CI)', () => {
  const { 'node.drain': drain, ...rest } = PROCESSORS;
  // @ts-expect-error -- node.drain has no processor here: tsc fails on an unused directive if this ever compiles
  const missing: Processors = rest;
  assert.equal(typeof drain, 'function');
  assert.ok(!('node.drain' in missing));
});
