// Fault injection through the lab CLI: a stopped or cut manager is seen unreachable and comes back.
// Run alone (node --test --test-concurrency=1): it takes alpha-m1 away while it runs.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import {
  dockerFor,
  labEngine,
  requireLab,
  runLabCli,
  swarmHealthy,
  swarmNodes,
  waitUntil,
  type Inventory,
  type SwarmNode,
} from '../../helpers/lab.ts';

const VICTIM = 'alpha-m1';
const OBSERVER = 'alpha-m2';
const UNREACHABLE_BOUND_MS = 60_000;
const BACK_BOUND_MS = 120_000;

let inv: Inventory;

before(async () => {
  inv = await requireLab();
  await waitUntil('alpha to be healthy before the fault tests', alphaHealthy, 60_000);
});

async function alphaNodes(): Promise<SwarmNode[]> {
  return swarmNodes(dockerFor(labEngine(inv, OBSERVER), 'socket', 5000));
}

function victimNode(nodes: SwarmNode[]): SwarmNode {
  const n = nodes.find((x) => x.Description.Hostname === VICTIM);
  if (!n) throw new Error(`${VICTIM} is not in alpha's node list`);
  return n;
}

function describeNode(n: SwarmNode): string {
  return `status=${n.Status.State} leader=${n.ManagerStatus?.Leader === true} reachability=${n.ManagerStatus?.Reachability ?? '-'}`;
}

async function victimUnreachable(): Promise<true | string> {
  const n = victimNode(await alphaNodes());
  return n.ManagerStatus?.Reachability === 'unreachable' ? true : describeNode(n);
}

/**
 * Healthy seen from the observer AND from the victim itself: after a heal, the victim may still hold
 * a higher raft term and force a new election later, until it follows the current leader again.
 */
async function alphaHealthy(): Promise<true | string> {
  const observed = await swarmHealthy(inv, 'alpha', OBSERVER);
  if (observed !== true) return observed;
  return swarmHealthy(inv, 'alpha', VICTIM);
}

async function cli(args: string[]): Promise<number> {
  const r = await runLabCli(args);
  assert.equal(r.code, 0, `lab ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.ms;
}

/** Whatever happens in a test, leave alpha-m1 running, linked and alpha healthy again. */
function restoreAfter(t: TestContext): void {
  t.after(async () => {
    await runLabCli(['heal', VICTIM]);
    await runLabCli(['start', VICTIM]);
    await waitUntil('alpha to be healthy again after the test', alphaHealthy, BACK_BOUND_MS);
  });
}

test('a stopped manager is seen unreachable by another manager and is back after start', async (t) => {
  restoreAfter(t);
  const t0 = Date.now();
  const stopMs = await cli(['stop', VICTIM]);
  const status = await runLabCli(['status']);
  assert.match(
    status.stdout,
    new RegExp(`^${VICTIM}\\s.*\\sstopped\\s`, 'm'),
    'status shows dockerd stopped',
  );
  await waitUntil(`${OBSERVER} to see ${VICTIM} unreachable`, victimUnreachable, UNREACHABLE_BOUND_MS);
  const unreachableMs = Date.now() - t0;
  await waitUntil(
    `${VICTIM} to be Down`,
    async () => {
      const n = victimNode(await alphaNodes());
      return n.Status.State === 'down' ? true : describeNode(n);
    },
    UNREACHABLE_BOUND_MS,
  );
  console.log(
    `stop: CLI returned after ${stopMs}ms; unreachable ${unreachableMs}ms and Down ${Date.now() - t0}ms after the stop began`,
  );

  const startMs = await cli(['start', VICTIM]);
  const backMs = await waitUntil(`${VICTIM} Ready and reachable, alpha healthy`, alphaHealthy, BACK_BOUND_MS);
  console.log(`start: CLI ${startMs}ms, alpha healthy ${startMs + backMs}ms after the start began`);
});

test('a cut manager is seen unreachable by another manager and is back after heal', async (t) => {
  restoreAfter(t);
  const t0 = Date.now();
  const cutMs = await cli(['cut', VICTIM]);
  await waitUntil(`${OBSERVER} to see ${VICTIM} unreachable`, victimUnreachable, UNREACHABLE_BOUND_MS);
  console.log(`cut: CLI returned after ${cutMs}ms; unreachable ${Date.now() - t0}ms after the cut began`);
  const status = await runLabCli(['status']);
  assert.match(status.stdout, new RegExp(`^${VICTIM}\\s.*\\scut\\s`, 'm'), 'status shows the link cut');

  const healMs = await cli(['heal', VICTIM]);
  const backMs = await waitUntil(`${VICTIM} Ready and reachable, alpha healthy`, alphaHealthy, BACK_BOUND_MS);
  console.log(`heal: CLI ${healMs}ms, alpha healthy ${healMs + backMs}ms after the heal began`);
});

test('the CLI refuses an unknown engine with exit code 2', async () => {
  const r = await runLabCli(['stop', 'no-such-engine']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown engine "no-such-engine"/);
});
