// Forming the lab's swarms through the Engine API: init, joins, repair of members, readiness checks.
import type Docker from 'dockerode';
import { socketClient } from './engine.ts';
import { LabError, errorMessage, progress, sleep, waitFor } from './exec.ts';
import {
  ENGINES,
  SWARM_HEARTBEAT_NS,
  SWARM_PORT,
  mustEngine,
  type EngineDef,
  type SwarmDef,
} from './topology.ts';

/** The parts of the Engine API answers the lab reads (API 1.41). */
export interface EngineInfo {
  Name: string;
  ID: string;
  Swarm: {
    NodeID: string;
    NodeAddr: string;
    LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked' | '';
    ControlAvailable: boolean;
    Error: string;
    Cluster?: { ID: string } | null;
  };
}

export interface SwarmNode {
  ID: string;
  Version: { Index: number };
  Spec: {
    Role: 'manager' | 'worker';
    Availability: 'active' | 'pause' | 'drain';
    Labels?: Record<string, string>;
  };
  Description: { Hostname: string };
  Status: { State: 'unknown' | 'down' | 'ready' | 'disconnected'; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability: 'unknown' | 'unreachable' | 'reachable'; Addr: string };
}

export interface SwarmInspect {
  ID: string;
  Version: { Index: number };
  Spec: { Dispatcher?: { HeartbeatPeriod?: number } } & Record<string, unknown>;
  JoinTokens: { Worker: string; Manager: string };
}

/** `docker info` of a lab engine, as the lab reads it. */
export async function labEngineInfo(docker: Docker): Promise<EngineInfo> {
  return (await docker.info()) as EngineInfo;
}

/** The node list of a lab swarm's manager, as the lab reads it. */
export async function labNodes(docker: Docker): Promise<SwarmNode[]> {
  return (await docker.listNodes()) as SwarmNode[];
}

async function leaveForce(e: EngineDef, why: string): Promise<void> {
  progress(`${e.name}: leaving its swarm (--force): ${why}`);
  try {
    await socketClient(e, 60_000).swarmLeave({ force: true });
  } catch (err) {
    // 503 "node is not part of a swarm" is fine: the goal is "not in a swarm".
    if (!/not part of a swarm/i.test(errorMessage(err))) throw err;
  }
}

/** A manager that can answer for its swarm right now (it has a leader and lists nodes). */
async function usableManager(e: EngineDef): Promise<{ info: EngineInfo; nodes: SwarmNode[] } | null> {
  try {
    const docker = socketClient(e, 10_000);
    const info = await labEngineInfo(docker);
    if (info.Swarm.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) return null;
    return { info, nodes: await labNodes(docker) };
  } catch {
    return null;
  }
}

function summarize(nodes: SwarmNode[]): string {
  return nodes
    .map((n) => {
      const mgr = n.ManagerStatus
        ? n.ManagerStatus.Leader
          ? 'Leader'
          : n.ManagerStatus.Reachability
        : 'worker';
      return `${n.Description.Hostname}=${n.Status.State}/${mgr}`;
    })
    .join(' ');
}

/** Sets the dispatcher heartbeat so a stopped node goes Down within seconds. */
async function ensureHeartbeat(anchor: EngineDef): Promise<void> {
  const docker = socketClient(anchor);
  const sw = (await docker.swarmInspect()) as SwarmInspect;
  if (sw.Spec.Dispatcher?.HeartbeatPeriod === SWARM_HEARTBEAT_NS) return;
  const spec = { ...sw.Spec, Dispatcher: { ...sw.Spec.Dispatcher, HeartbeatPeriod: SWARM_HEARTBEAT_NS } };
  await docker.swarmUpdate({ _query: { version: sw.Version.Index }, _body: spec });
}

async function waitMember(
  anchor: EngineDef,
  e: EngineDef,
  nodeId: string,
  role: 'manager' | 'worker',
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${e.name} to be a Ready ${role === 'manager' ? 'Reachable manager' : 'worker'}`,
    async () => {
      const nodes = await labNodes(socketClient(anchor, 10_000));
      const n = nodes.find((x) => x.ID === nodeId);
      if (!n) return { done: false, reason: `node ${nodeId} not listed yet` };
      const ok =
        n.Status.State === 'ready' &&
        (role === 'worker' ||
          n.ManagerStatus?.Reachability === 'reachable' ||
          n.ManagerStatus?.Leader === true);
      return ok ? { done: true, value: undefined } : { done: false, reason: summarize([n]) };
    },
    { timeoutMs, intervalMs: 500 },
  );
}

async function join(
  anchor: EngineDef,
  e: EngineDef,
  role: 'manager' | 'worker',
  token: string,
): Promise<void> {
  const docker = socketClient(e, 120_000);
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await docker.swarmJoin({
        ListenAddr: `${e.address}:${SWARM_PORT}`,
        AdvertiseAddr: e.address,
        RemoteAddrs: [`${anchor.address}:${SWARM_PORT}`],
        JoinToken: token,
      });
      const info = await labEngineInfo(docker);
      await waitMember(anchor, e, info.Swarm.NodeID, role, 60_000);
      return;
    } catch (err) {
      lastError = errorMessage(err);
      progress(`${e.name}: join attempt ${attempt} failed: ${lastError}`);
      // A node whose join failed keeps trying in the background; it must leave before a new join.
      await leaveForce(e, 'failed join');
      await sleep(1000 * attempt);
    }
  }
  throw new LabError(`${e.name} could not join swarm ${e.swarm} via ${anchor.name}: ${lastError}`);
}

/**
 * Brings one swarm to its topology. Members already in the swarm are left alone; members in another
 * (stale) swarm or stuck in a failed join leave with --force and join again.
 */
export async function ensureSwarm(def: SwarmDef): Promise<void> {
  const managers = def.managers.map(mustEngine);
  const workers = def.workers.map(mustEngine);
  const members = [...managers, ...workers];

  let anchor: EngineDef | null = null;
  let clusterId = '';
  let nodeIds = new Set<string>();
  for (const m of managers) {
    const u = await usableManager(m);
    if (u?.info.Swarm.Cluster?.ID) {
      anchor = m;
      clusterId = u.info.Swarm.Cluster.ID;
      nodeIds = new Set(u.nodes.map((n) => n.ID));
      break;
    }
  }
  if (!anchor) {
    // No manager can speak for the swarm: start it afresh on the first manager.
    for (const e of members) {
      const info = await labEngineInfo(socketClient(e));
      if (info.Swarm.LocalNodeState !== 'inactive') await leaveForce(e, 'no working manager in its swarm');
    }
    anchor = managers[0] ?? null;
    if (!anchor) throw new LabError(`swarm ${def.name} has no manager in the topology`);
    progress(`${def.name}: swarm init on ${anchor.name}`);
    await socketClient(anchor, 60_000).swarmInit({
      ListenAddr: `${anchor.address}:${SWARM_PORT}`,
      AdvertiseAddr: anchor.address,
    });
    const info = await labEngineInfo(socketClient(anchor));
    clusterId = info.Swarm.Cluster?.ID ?? '';
    nodeIds = new Set([info.Swarm.NodeID]);
  }
  await ensureHeartbeat(anchor);
  const tokens = ((await socketClient(anchor).swarmInspect()) as SwarmInspect).JoinTokens;

  const needsJoin = async (e: EngineDef): Promise<boolean> => {
    const info = await labEngineInfo(socketClient(e));
    const s = info.Swarm;
    if (
      s.LocalNodeState === 'active' &&
      nodeIds.has(s.NodeID) &&
      (!s.Cluster || s.Cluster.ID === clusterId)
    ) {
      return false;
    }
    if (s.LocalNodeState !== 'inactive') {
      await leaveForce(
        e,
        `state ${s.LocalNodeState}${s.Error ? ` (${s.Error})` : ''}, not a member of ${def.name}`,
      );
    }
    return true;
  };
  // Managers one at a time: each must be a Reachable raft member before the next joins.
  for (const m of managers) {
    if (m === anchor || !(await needsJoin(m))) continue;
    progress(`${def.name}: ${m.name} joins as manager`);
    await join(anchor, m, 'manager', tokens.Manager);
  }
  await Promise.all(
    workers.map(async (w) => {
      if (!(await needsJoin(w))) return;
      progress(`${def.name}: ${w.name} joins as worker`);
      await join(anchor, w, 'worker', tokens.Worker);
    }),
  );
  await reconcileNodes(anchor, members);
}

/**
 * Makes the node list match the topology: stale entries (an engine that left and re-joined leaves its
 * old node behind, Down) are demoted and removed; roles and availability changed by tests are reset.
 */
async function reconcileNodes(anchor: EngineDef, members: EngineDef[]): Promise<void> {
  const current = new Map<string, string>();
  for (const e of members) current.set((await labEngineInfo(socketClient(e))).Swarm.NodeID, e.name);
  const docker = socketClient(anchor, 60_000);
  for (const n of await labNodes(docker)) {
    const name = current.get(n.ID);
    const e = name ? mustEngine(name) : null;
    if (!e) {
      progress(`${anchor.swarm}: removing stale node ${n.ID} (${n.Description.Hostname}, ${n.Status.State})`);
      if (n.Spec.Role === 'manager') {
        await docker
          .getNode(n.ID)
          .update({ _query: { version: n.Version.Index }, _body: { ...n.Spec, Role: 'worker' } });
      }
      await waitFor(
        `stale node ${n.ID} to be removable`,
        async () => {
          await docker.getNode(n.ID).remove({ force: true });
          return { done: true, value: undefined };
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      );
      continue;
    }
    if (n.Spec.Role !== e.role || n.Spec.Availability !== 'active') {
      progress(
        `${anchor.swarm}: resetting ${e.name} to ${e.role ?? '?'}/active (was ${n.Spec.Role}/${n.Spec.Availability})`,
      );
      await docker.getNode(n.ID).update({
        _query: { version: n.Version.Index },
        _body: { ...n.Spec, Role: e.role, Availability: 'active' },
      });
    }
  }
}

/** Spare engines are in no swarm. */
export async function ensureNotInSwarm(e: EngineDef): Promise<void> {
  const info = await labEngineInfo(socketClient(e));
  if (info.Swarm.LocalNodeState !== 'inactive') await leaveForce(e, 'spare engines are in no swarm');
}

/** Describes what is not as the topology wants, or null when the swarm is fully ready. */
export async function swarmProblems(def: SwarmDef): Promise<string | null> {
  let nodes: SwarmNode[] | null = null;
  const errors: string[] = [];
  for (const m of def.managers.map(mustEngine)) {
    try {
      nodes = await labNodes(socketClient(m, 5000));
      break;
    } catch (err) {
      errors.push(`${m.name}: ${errorMessage(err)}`);
    }
  }
  if (!nodes) return `no manager lists the nodes (${errors.join('; ')})`;
  const want = [...def.managers, ...def.workers].sort();
  const have = nodes.map((n) => n.Description.Hostname).sort();
  const problems: string[] = [];
  if (want.join(',') !== have.join(','))
    problems.push(`nodes are [${have.join(', ')}], want [${want.join(', ')}]`);
  for (const n of nodes) {
    if (n.Status.State !== 'ready') problems.push(`${n.Description.Hostname} is ${n.Status.State}`);
  }
  const mgrs = nodes.filter((n) => n.ManagerStatus);
  const leaders = mgrs.filter((n) => n.ManagerStatus?.Leader).length;
  const reachable = mgrs.filter(
    (n) => !n.ManagerStatus?.Leader && n.ManagerStatus?.Reachability === 'reachable',
  );
  if (leaders !== 1) problems.push(`${leaders} leaders`);
  if (reachable.length !== def.managers.length - 1) {
    problems.push(`${reachable.length} reachable non-leader managers, want ${def.managers.length - 1}`);
  }
  return problems.length > 0 ? `${problems.join('; ')} [${summarize(nodes)}]` : null;
}

export async function waitSwarmsReady(defs: readonly SwarmDef[], timeoutMs: number): Promise<void> {
  await Promise.all(
    defs.map((def) =>
      waitFor(
        `swarm ${def.name} to be ready`,
        async () => {
          const p = await swarmProblems(def);
          return p === null ? { done: true, value: undefined } : { done: false, reason: p };
        },
        { timeoutMs, intervalMs: 1000 },
      ),
    ),
  );
}

export function spareEngines(): EngineDef[] {
  return ENGINES.filter((e) => e.swarm === null);
}
