// Whether an engine belongs to a registered swarm, by its own `docker info`: the engine the gateway is about to send
// `swarm leave` (or `join`) to is the one asked, so a real engine's answer cannot be forged by whoever registered the
// swarm. A manager shows its cluster id; a worker only its managers' node ids, matched against those the swarm's
// registered managers reported (repository: manager_node_ids, unique across registrations).
import type { DockerInfo } from './types.ts';

/** The cluster an engine says it is in. */
export interface EngineCluster {
  /** Its cluster id: managers only (Docker shows a worker none). */
  clusterId: string | null;
  /** Node ids of the managers it knows (RemoteManagers), and its own when it is a manager. */
  managerNodeIds: string[];
}

export type Membership = 'member' | 'not-member' | 'unverifiable';

/** The `docker info` of an answer, or null when the answer is not shaped like the Engine API's (a hostile endpoint). */
export function asDockerInfo(value: unknown): DockerInfo | null {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return null;
  const swarm = (value as { Swarm?: unknown }).Swarm;
  if (typeof swarm !== 'object' || swarm === null) return null;
  const s = swarm as Record<string, unknown>;
  if (typeof s.LocalNodeState !== 'string' || typeof s.NodeID !== 'string') return null;
  if (s.RemoteManagers != null && !Array.isArray(s.RemoteManagers)) return null;
  return value as DockerInfo;
}

export function clusterOf(info: DockerInfo): EngineCluster {
  const remote = (info.Swarm.RemoteManagers ?? []).map((manager) => manager?.NodeID).filter(isDockerId);
  const own = info.Swarm.ControlAvailable && isDockerId(info.Swarm.NodeID) ? [info.Swarm.NodeID] : [];
  const clusterId = isDockerId(info.Swarm.Cluster?.ID) ? info.Swarm.Cluster.ID : null;
  return { clusterId, managerNodeIds: [...new Set([...own, ...remote])] };
}

/**
 * Docker's swarm object ids are 25 lowercase letters and digits; anything else an engine claims (a NUL, a path, a
 * megabyte) is not an id and is never stored or compared.
 */
const DOCKER_ID = /^[a-z0-9]{1,64}$/;
function isDockerId(value: unknown): value is string {
  return typeof value === 'string' && DOCKER_ID.test(value);
}

/**
 * Whether the engine is a node of the registered swarm: a manager by its cluster id, a worker by knowing one of the
 * managers the swarm's registered endpoints reported. `unverifiable`: a worker of a swarm registered before those were
 * recorded (updateSwarm with its endpoints records them).
 */
export function membershipOf(
  info: DockerInfo,
  swarm: { clusterId: string | null; managerNodeIds?: readonly string[] | null | undefined },
): Membership {
  if (info.Swarm.LocalNodeState !== 'active') return 'not-member';
  const cluster = clusterOf(info);
  if (info.Swarm.ControlAvailable || cluster.clusterId) {
    return cluster.clusterId !== null && cluster.clusterId === swarm.clusterId ? 'member' : 'not-member';
  }
  if (!swarm.managerNodeIds || swarm.managerNodeIds.length === 0) return 'unverifiable';
  const known = new Set(swarm.managerNodeIds);
  return cluster.managerNodeIds.some((id) => known.has(id)) ? 'member' : 'not-member';
}
