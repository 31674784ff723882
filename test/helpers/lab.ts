// Test access to the lab: the typed inventory (a loud error when the lab is not up), Engine API clients, the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { DockerNode, DockerTask } from '../../src/docker/types.ts';
import {
  LabNotUpError,
  inventoryEngine,
  loadInventory,
  type Inventory,
  type InventoryEngine,
} from '../../src/lab/inventory.ts';
import type { SwarmNode } from '../../src/lab/swarm.ts';

export type { Inventory, InventoryEngine, SwarmNode };

const CLI = fileURLToPath(new URL('../../src/lab/cli.ts', import.meta.url));

/** The inventory written by `npm run lab -- up`; throws "lab is not up: run npm run lab -- up" when missing. */
export function labInventory(): Inventory {
  return loadInventory();
}

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * The inventory, after checking every engine really answers: an inventory left from a session whose
 * processes are gone must fail as loudly as a missing one.
 */
export async function requireLab(): Promise<Inventory> {
  const inv = labInventory();
  const dead: string[] = [];
  await Promise.all(
    inv.engines.map(async (e) => {
      if (!(await pingSocket(e.socket, 3000))) dead.push(e.name);
    }),
  );
  if (dead.length > 0) throw new LabNotUpError(`no answer from ${dead.sort().join(', ')}`);
  return inv;
}

export function labEngine(inv: Inventory, name: string): InventoryEngine {
  return inventoryEngine(inv, name);
}

export interface TlsParts {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Host, port and PEM material for the engine's mutual-TLS endpoint, from the inventory. */
export function tlsParts(e: InventoryEngine): TlsParts {
  const url = new URL(e.tlsEndpoint.replace(/^tcp:/, 'https:'));
  return {
    host: url.hostname,
    port: Number(url.port),
    ca: readFileSync(e.ca),
    cert: readFileSync(e.cert),
    key: readFileSync(e.key),
  };
}

/** A dockerode client for the engine, over its TLS endpoint (as the gateway would) or its unix socket. */
export function dockerFor(e: InventoryEngine, via: 'tls' | 'socket' = 'socket', timeoutMs = 15_000): Docker {
  if (via === 'socket') return new Docker({ socketPath: e.socket, timeout: timeoutMs });
  const t = tlsParts(e);
  return new Docker({
    protocol: 'https',
    host: t.host,
    port: t.port,
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    timeout: timeoutMs,
  });
}

export async function swarmNodes(docker: Docker): Promise<SwarmNode[]> {
  return (await docker.listNodes()) as SwarmNode[];
}

/** The node of `swarm` (as `docker` lists them) with this hostname; the test fails when there is none. */
export async function nodeByHostname(docker: Docker, hostname: string, swarm: string): Promise<DockerNode> {
  const nodes = (await docker.listNodes()) as DockerNode[];
  const node = nodes.find((candidate) => candidate.Description?.Hostname === hostname);
  assert.ok(node, `${hostname} is in ${swarm}`);
  return node;
}

/** Tasks that run on the node: desired running, or running still (being stopped); only these services' if given. */
export async function runningOn(
  docker: Docker,
  nodeId: string,
  serviceIds?: string[],
): Promise<DockerTask[]> {
  const tasks = (await docker.listTasks({ filters: { node: [nodeId] } })) as DockerTask[];
  return tasks.filter(
    (task) =>
      (task.DesiredState === 'running' || task.Status.State === 'running') &&
      (!serviceIds || serviceIds.includes(task.ServiceID)),
  );
}

/** Sets the node active again (a few tries: another writer may move its version meanwhile). */
export async function setActive(docker: Docker, hostname: string, swarm: string): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const node = await nodeByHostname(docker, hostname, swarm);
    if (node.Spec.Availability === 'active') return;
    try {
      await docker
        .getNode(node.ID)
        .update({ version: node.Version.Index, ...node.Spec, Availability: 'active' });
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

export interface SlowServiceSpec {
  name: string;
  /** The value of its swarmgate.test label: the test file that made it. */
  test: string;
  graceSeconds: number;
  replicas: number;
  constraints: string[];
  restartPolicy?: { Condition: string; Delay: number };
}

/**
 * A service whose containers ignore SIGTERM, so each of its tasks takes `graceSeconds` to stop (a drain lasts long
 * enough to be watched). Its ID is added to `created`, for the test's cleanup.
 */
export async function createSlowService(
  docker: Docker,
  spec: SlowServiceSpec,
  created: string[],
): Promise<string> {
  const service = (await docker.createService({
    Name: spec.name,
    Labels: { 'swarmgate.test': spec.test },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Command: ['sh', '-c', "trap '' TERM INT; while :; do sleep 1; done"],
        StopGracePeriod: spec.graceSeconds * 1e9,
      },
      Placement: { Constraints: spec.constraints },
      ...(spec.restartPolicy ? { RestartPolicy: spec.restartPolicy } : {}),
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
  } as unknown as Docker.CreateServiceOptions)) as { ID?: string; id?: string };
  const id = service.ID ?? service.id;
  assert.ok(id);
  created.push(id);
  return id;
}

/** Removes these services (emptying the list), whatever state they are in; one already gone is no error. */
export async function removeServices(docker: Docker, ids: string[]): Promise<void> {
  for (const id of ids.splice(0)) {
    await docker
      .getService(id)
      .remove()
      .catch(() => undefined);
  }
}

/**
 * true when `via` (default: the swarm's first manager) lists exactly the swarm's engines, all Ready,
 * with one Leader and every other manager Reachable; otherwise a description of what differs.
 */
export async function swarmHealthy(inv: Inventory, swarm: string, via?: string): Promise<true | string> {
  const def = inv.swarms.find((s) => s.name === swarm);
  if (!def) throw new Error(`swarm ${swarm} is not in the lab inventory`);
  const viaName = via ?? def.managers[0] ?? '';
  const nodes = await swarmNodes(dockerFor(labEngine(inv, viaName), 'socket', 5000));
  const want = [...def.managers, ...def.workers].sort();
  const have = nodes.map((n) => n.Description.Hostname).sort();
  const leaders = nodes.filter((n) => n.ManagerStatus?.Leader).length;
  const reachable = nodes.filter(
    (n) => !n.ManagerStatus?.Leader && n.ManagerStatus?.Reachability === 'reachable',
  );
  const notReady = nodes.filter((n) => n.Status.State !== 'ready');
  if (
    want.join() === have.join() &&
    notReady.length === 0 &&
    leaders === 1 &&
    reachable.length === def.managers.length - 1
  ) {
    return true;
  }
  const state = nodes
    .map((n) => {
      const m = n.ManagerStatus
        ? n.ManagerStatus.Leader
          ? 'leader'
          : n.ManagerStatus.Reachability
        : 'worker';
      return `${n.Description.Hostname}=${n.Status.State}/${m}`;
    })
    .join(' ');
  return `seen from ${viaName}: ${state}`;
}

/**
 * Waits until the swarm is healthy (swarmHealthy); a node that stays Down while its own engine runs as a member is
 * restarted (lab stop + start) once. Docker 20.10 can leave a manager restarted by an earlier test marked Down for
 * good: its old session's heartbeat expiry lands after its new session registered, and nothing marks it Ready again.
 * A test that needs the whole swarm (stopping a manager must not lose quorum) calls this first.
 */
export async function healSwarm(inv: Inventory, swarm: string, via: string): Promise<void> {
  const settled = () => swarmHealthy(inv, swarm, via);
  try {
    await waitUntil(`swarm ${swarm} healthy`, settled, 20_000, 500);
    return;
  } catch {
    // Restart what is stuck, below.
  }
  const nodes = await swarmNodes(dockerFor(labEngine(inv, via), 'socket', 5000));
  for (const node of nodes.filter((candidate) => candidate.Status.State === 'down')) {
    const name = node.Description.Hostname;
    const info = (await dockerFor(labEngine(inv, name), 'socket', 5000)
      .info()
      .catch(() => null)) as { Swarm?: { LocalNodeState?: string } } | null;
    if (info?.Swarm?.LocalNodeState !== 'active') continue;
    for (const verb of ['stop', 'start']) {
      const result = await runLabCli([verb, name]);
      assert.equal(result.code, 0, `lab ${verb} ${name}: ${result.stderr}`);
    }
  }
  await waitUntil(`swarm ${swarm} healthy again`, settled, 90_000, 500);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node --import tsx src/lab/cli.ts ...args` as a child process. */
export function runLabCli(args: string[], timeoutMs = 180_000): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { timeout: timeoutMs, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - t0 });
      },
    );
  });
}

/** Polls `check` until it returns true; returns the milliseconds it took, or throws naming the last state. */
export async function waitUntil(
  what: string,
  check: () => Promise<true | string>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<number> {
  const t0 = Date.now();
  let last = 'never checked';
  for (;;) {
    try {
      const r = await check();
      if (r === true) return Date.now() - t0;
      last = r;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
