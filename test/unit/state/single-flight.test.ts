// Single-flight: concurrent misses for one key make one upstream call; a fresh read waits for a call started after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SingleFlight } from '../../../src/state/single-flight.ts';

function deferredLoads() {
  const calls: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const load = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, load };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('concurrent run() for one key share one call; another key has its own', async () => {
  const flights = new SingleFlight();
  const { calls, load } = deferredLoads();
  const answers = Promise.all(Array.from({ length: 50 }, () => flights.run('alpha:nodes', load)));
  const other = flights.run('beta:nodes', load);
  await tick();
  assert.equal(calls.length, 2);
  calls[0]!.resolve(5);
  calls[1]!.resolve(2);
  assert.deepEqual(new Set(await answers), new Set([5]));
  assert.equal(await other, 2);
  // Settled: the next caller makes a new call.
  const again = flights.run('alpha:nodes', load);
  await tick();
  assert.equal(calls.length, 3);
  calls[2]!.resolve(6);
  assert.equal(await again, 6);
});

test('a failed call is shared by its callers and not kept', async () => {
  const flights = new SingleFlight();
  const { calls, load } = deferredLoads();
  const first = flights.run('k', load);
  const second = flights.run('k', load);
  await tick();
  calls[0]!.reject(new Error('SWARM_UNREACHABLE'));
  await assert.rejects(first, /SWARM_UNREACHABLE/);
  await assert.rejects(second, /SWARM_UNREACHABLE/);
  const third = flights.run('k', load);
  await tick();
  assert.equal(calls.length, 2);
  calls[1]!.resolve(1);
  assert.equal(await third, 1);
});

test('runAfter() never joins a call already under way: callers meanwhile share the next one', async () => {
  const flights = new SingleFlight();
  const { calls, load } = deferredLoads();
  const early = flights.run('k', load);
  const late = Array.from({ length: 20 }, () => flights.runAfter('k', load));
  await tick();
  assert.equal(calls.length, 1, 'the next call waits for the one in flight');
  calls[0]!.resolve(1);
  assert.equal(await early, 1);
  await tick();
  assert.equal(calls.length, 2, 'one more call for all the late callers');
  calls[1]!.resolve(2);
  assert.deepEqual(new Set(await Promise.all(late)), new Set([2]));
  // Nothing in flight: runAfter starts at once.
  const alone = flights.runAfter('k', load);
  await tick();
  assert.equal(calls.length, 3);
  calls[2]!.resolve(3);
  assert.equal(await alone, 3);
});
