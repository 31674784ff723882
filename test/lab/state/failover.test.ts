// The watcher of alpha follows its manager's fate: stopping alpha-m1 (the watched manager) moves the watcher to
// another manager, which it resyncs from; afterwards the gateway serves what Docker says, not what it had.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual, promisify } from 'node:util';
import { toNodeView, type NodeView } from '../../../src/queries/views.ts';
import {
  dockerFor,
  healSwarm,
  labEngine,
  runLabCli,
  swarmHealthy,
  swarmNodes,
  waitUntil,
} from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';
import type { DockerNode } from '../../../src/docker/types.ts';

const run = promisify(execFile);
const TIMEOUT_MS = 2000;
const PROPAGATION_MS = 2000;
const LABEL = `swarmgate.state-test`;

let lab: RedBlue;
const docker = (engine: string, ...args: string[]) =>
  run('/usr/bin/docker', ['-H', `unix://${labEngine(lab.inventory, engine).socket}`, ...args], {
    timeout: 30_000,
  });

/** The gateway's (cached) node list: status code, and the nodes when 200. */
async function gatewayNodes(): Promise<{ status: number; nodes: NodeView[] }> {
  const response = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/nodes',
    headers: bearer(lab.tokens.redViewer),
  });
  return {
    status: response.statusCode,
    nodes: response.statusCode === 200 ? response.json<{ items: NodeView[] }>().items : [],
  };
}

/** What Docker says through `engine`, as the gateway shows it, sorted the same way. */
async function dockerNodes(engine: string): Promise<NodeView[]> {
  const nodes = (await swarmNodes(dockerFor(labEngine(lab.inventory, engine), 'socket', 5000))) as unknown;
  return (nodes as DockerNode[])
    .map((node) => toNodeView(lab.alpha.id, node))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

const summary = (nodes: NodeView[]) =>
  nodes
    .map((node) => `${node.hostname}=${node.state}/${node.managerStatus ?? 'worker'}@${node.version}`)
    .join(' ');

before(async () => {
  lab = await setupRedBlue({
    SWARMGATE_CACHE: 'on',
    SWARMGATE_DOCKER_TIMEOUT_MS: String(TIMEOUT_MS),
    SWARMGATE_CACHE_CHECK_MS: '1000',
  });
});
after(async () => {
  await lab?.subject.close();
});

test('stopping the watched manager alpha-m1 moves the watcher to another manager; nothing stale is served after', async (t) => {
  const m1 = labEngine(lab.inventory, 'alpha-m1').tlsEndpoint;
  // Before the watcher starts: healing may restart alpha-m1, which would move the watcher.
  await healSwarm(lab.inventory, 'alpha', 'alpha-m2');
  assert.equal((await gatewayNodes()).status, 200);
  await waitUntil(
    'alpha watched through alpha-m1',
    () => {
      const watcher = lab.app.swarmState.describe(lab.alpha.id);
      return Promise.resolve(watcher?.current && watcher.endpoint === m1 ? true : JSON.stringify(watcher));
    },
    10_000,
    50,
  );

  // Stopping a manager of a swarm that is not whole (another test demoting or stopping one) could lose its quorum.
  const healthy = await swarmHealthy(lab.inventory, 'alpha', 'alpha-m2');
  assert.equal(healthy, true, `alpha must be healthy before alpha-m1 is stopped: ${String(healthy)}`);
  const leader = (await dockerNodes('alpha-m2')).find((node) => node.leader)?.hostname;
  // Timed from the stop command, watched meanwhile: the engine is gone when the command returns.
  const stoppedAt = performance.now();
  const since = () => (performance.now() - stoppedAt).toFixed(0);
  let lostMs: string | undefined;
  let movedMs: string | undefined;
  let moved = false;
  const outcomes = new Map<number, number>();
  const follow = async () => {
    // Reads either answer or say SWARM_UNREACHABLE (503) while the watcher moves; recorded for the report.
    for (let read = 0; !moved; read += 1) {
      const watcher = lab.app.swarmState.describe(lab.alpha.id);
      if (!watcher?.current) lostMs ??= since();
      if (watcher?.current && watcher.endpoint && watcher.endpoint !== m1) {
        movedMs = since();
        moved = true;
        return watcher;
      }
      if (read % 10 === 0) {
        const { status } = await gatewayNodes();
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      }
      assert.ok(
        performance.now() - stoppedAt < 90_000,
        `no failover within 90 s: ${JSON.stringify(watcher)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return null;
  };
  const following = follow();
  const stopped = await runLabCli(['stop', 'alpha-m1']);
  const stopMs = since();
  const value = `v${randomBytes(3).toString('hex')}`;
  t.after(async () => {
    moved = true;
    const started = await runLabCli(['start', 'alpha-m1']);
    assert.equal(started.code, 0, started.stderr);
    await waitUntil(
      'alpha healthy again',
      () => swarmHealthy(lab.inventory, 'alpha', 'alpha-m2'),
      120_000,
      500,
    );
    await docker('alpha-m2', 'node', 'update', '--label-rm', LABEL, 'alpha-w1').catch(() => undefined);
  });
  assert.equal(stopped.code, 0, stopped.stderr);
  const watcher = await following;
  assert.ok(watcher);
  console.log(
    `alpha-m1 stopped (leader: ${leader}); the stop command took ${stopMs} ms. The watcher lost alpha-m1 ` +
      `${lostMs ?? '?'} ms and was resynced on ${watcher.endpoint} ${movedMs} ms after the stop was issued; ` +
      `reads meanwhile by status: ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );

  // A change made directly on another manager shows through the gateway's state (no fresh read).
  const labelled = await waitUntil(
    'the label added through alpha-m2',
    async () => {
      await docker('alpha-m2', 'node', 'update', '--label-add', `${LABEL}=${value}`, 'alpha-w1');
      return true;
    },
    60_000,
    500,
  );
  const cliDone = performance.now();
  for (;;) {
    const { nodes } = await gatewayNodes();
    const w1 = nodes.find((node) => node.hostname === 'alpha-w1');
    if (w1?.labels.some((label) => label.key === LABEL && label.value === value)) break;
    assert.ok(performance.now() - cliDone < 10_000, 'the label did not show within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const labelMs = performance.now() - cliDone;
  console.log(
    `label added on alpha-m2 (after ${labelled} ms of CLI retries) seen through the gateway in ` +
      `${labelMs.toFixed(0)} ms`,
  );
  assert.ok(labelMs < PROPAGATION_MS, `the label took ${labelMs.toFixed(0)} ms`);

  // Nothing stale: the gateway's list becomes exactly what Docker says (versions included), alpha-m1 Down.
  const downMs = await waitUntil(
    'the gateway to show alpha-m1 down, exactly as Docker does',
    async () => {
      const [gateway, truth] = await Promise.all([gatewayNodes(), dockerNodes('alpha-m2')]);
      const m1Node = truth.find((node) => node.hostname === 'alpha-m1');
      if (m1Node?.state !== 'DOWN') return `Docker: ${summary(truth)}`;
      const again = await dockerNodes('alpha-m2');
      if (!isDeepStrictEqual(again, truth)) return 'Docker changed meanwhile';
      return isDeepStrictEqual(gateway.nodes, truth)
        ? true
        : `gateway: ${summary(gateway.nodes)}; Docker: ${summary(truth)}`;
    },
    90_000,
    200,
  );
  const final = await gatewayNodes();
  console.log(
    `gateway matches Docker with alpha-m1 down ${(performance.now() - stoppedAt).toFixed(0)} ms after the stop ` +
      `(${downMs} ms after the label): ${summary(final.nodes)}`,
  );
  const m1View = final.nodes.find((node) => node.hostname === 'alpha-m1');
  assert.equal(m1View?.state, 'DOWN');
  assert.equal(m1View.managerStatus, 'UNREACHABLE');
});
