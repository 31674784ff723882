// The node a reference names: from a live listing for the checks that decide on quorum, and for the audit's target.
import type { AuditTarget } from '../audit/types.ts';
import { hostnameOf } from '../docker/reads.ts';
import type { DockerNode } from '../docker/types.ts';
import { resolveRef, type SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';

/**
 * For checks that decide on quorum: a live listing (a manager asked during this request, never the swarm state), and
 * the node `ref` names (ID, unique prefix or hostname). The listing is the request's memoised fresh read of the
 * nodes: an operation that resolved its audit target from it (JobSpec.nodeFromManagers) lists the nodes once, and
 * an unreachable swarm costs it one Docker time-out.
 */
export async function liveNode(
  reads: SwarmReads,
  swarm: SwarmRecord,
  ref: string,
): Promise<{ nodes: DockerNode[]; node: DockerNode; target: { nodeId: string; nodeName: string } }> {
  const nodes = await reads.fresh().nodes(swarm);
  const node = resolveRef(
    nodes,
    ref,
    (n) => n.ID,
    (n) => hostnameOf(n, ''),
    'node',
  );
  return { nodes, node, target: { nodeId: node.ID, nodeName: hostnameOf(node) } };
}

/** A Docker object ID (25 lower-case letters and digits), as opposed to a hostname or an ID prefix. */
const DOCKER_ID = /^[a-z0-9]{25}$/;

/**
 * The node `ref` names, for the audit's target: resolved from the swarm's nodes (as `reads` serve them: pass fresh
 * reads to resolve it from the live listing liveNode reads) when it can be, else as the caller gave it (an ID as
 * nodeId, anything else as nodeName), so that the operation's events are found by the node even when it was refused
 * for naming no node, or the swarm did not answer. Never throws: the operation's own checks say what is wrong with
 * the reference, or that the swarm did not answer (a failed read stays memoised in `reads`: not waited for again).
 */
export async function nodeTargetOf(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<AuditTarget> {
  try {
    const node = await reads.node(swarm, ref);
    return { nodeId: node.ID, nodeName: hostnameOf(node) };
  } catch {
    const given = ref.trim();
    if (!given) return {};
    return DOCKER_ID.test(given) ? { nodeId: given } : { nodeName: given };
  }
}
