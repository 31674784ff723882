// The quorum effect of a change of the managers, for a plan: the counts before and after, and the refusal the real
// request would meet. The arithmetic is the quorum guard's own (src/domain/quorum-guard.ts), never a copy of it.
import type { DockerNode } from '../../docker/types.ts';
import { GatewayError, type ErrorCode } from '../../errors.ts';
import { checkManagerGain, checkManagerLoss, currentQuorum, type QuorumCounts } from '../quorum-guard.ts';

export interface QuorumPlan {
  managersBefore: number;
  managersAfter: number;
  reachableBefore: number;
  reachableAfter: number;
  toleratesBefore: number;
  toleratesAfter: number;
  evenAfter: boolean;
  /** The code the request would be refused with without force (QUORUM_AT_RISK), or null. */
  wouldRefuse: ErrorCode | null;
  /** true when only force lets the change through (an even number of managers afterwards). */
  needsForce: boolean;
}

export type ManagerChangeKind = 'loss' | 'gain';

const check = (kind: ManagerChangeKind) => (kind === 'loss' ? checkManagerLoss : checkManagerGain);

function isCounts(value: unknown): value is QuorumCounts {
  return typeof value === 'object' && value !== null && 'managers' in value && 'tolerates' in value;
}

/** Before and after as the guard computes them; a refused change's are in its refusal's details. */
function countsOf(
  nodes: readonly DockerNode[],
  nodeId: string,
  kind: ManagerChangeKind,
): { before: QuorumCounts; after: QuorumCounts } {
  try {
    const { before, after } = check(kind)(nodes, nodeId, { force: true });
    return { before, after };
  } catch (error) {
    const details = error instanceof GatewayError ? error.details : undefined;
    if (details && isCounts(details.before) && isCounts(details.after)) {
      return { before: details.before, after: details.after };
    }
    const before = currentQuorum(nodes);
    return { before, after: before };
  }
}

/** The code the guard refuses the change with, without force; null when it lets it through. */
function refusalOf(nodes: readonly DockerNode[], nodeId: string, kind: ManagerChangeKind): ErrorCode | null {
  try {
    check(kind)(nodes, nodeId, { force: false });
    return null;
  } catch (error) {
    return error instanceof GatewayError ? error.code : 'INTERNAL';
  }
}

/** The quorum effect of `nodeId` leaving the managers (demote, remove, leave) or joining them (promote, join). */
export function quorumPlan(
  nodes: readonly DockerNode[],
  nodeId: string,
  kind: ManagerChangeKind,
): QuorumPlan {
  const { before, after } = countsOf(nodes, nodeId, kind);
  const wouldRefuse = refusalOf(nodes, nodeId, kind);
  const evenAfter = after.managers !== before.managers && after.managers % 2 === 0;
  return {
    managersBefore: before.managers,
    managersAfter: after.managers,
    reachableBefore: before.reachable,
    reachableAfter: after.reachable,
    toleratesBefore: before.tolerates,
    toleratesAfter: after.tolerates,
    evenAfter,
    wouldRefuse,
    needsForce: wouldRefuse !== null && evenAfter && after.hasQuorum && before.hasQuorum,
  };
}

/** The quorum effect of a manager joining from outside the swarm (joinNode as manager): Ready once joined. */
export function quorumJoinPlan(nodes: readonly DockerNode[]): QuorumPlan {
  const before = currentQuorum(nodes);
  const managers = before.managers + 1;
  const reachable = before.reachable + 1;
  const needed = Math.floor(managers / 2) + 1;
  const toleratesAfter = Math.max(0, reachable - needed);
  const evenAfter = managers % 2 === 0;
  return {
    managersBefore: before.managers,
    managersAfter: managers,
    reachableBefore: before.reachable,
    reachableAfter: reachable,
    toleratesBefore: before.tolerates,
    toleratesAfter,
    evenAfter,
    wouldRefuse: before.hasQuorum ? null : 'QUORUM_AT_RISK',
    needsForce: false,
  };
}
