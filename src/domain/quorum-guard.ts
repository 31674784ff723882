// The quorum guard: decides, from a swarm's node list alone, whether gaining or losing a manager is safe.
// Pure (no I/O) so that it can be unit-tested and run twice: at request time and again in the job.
import type { DockerNode } from '../docker/types.ts';
import { GatewayError } from '../errors.ts';

/** Raft counts of a set of managers: a majority (`needed`) of them must be reachable to accept changes. */
export interface QuorumCounts {
  managers: number;
  reachable: number;
  needed: number;
  /** How many more reachable managers may fail before quorum is lost (0 when it is lost already). */
  tolerates: number;
  hasQuorum: boolean;
}

export interface QuorumAssessment {
  /** false when the node already has the wanted role (or is not a manager, for a loss): nothing would change. */
  changes: boolean;
  before: QuorumCounts;
  after: QuorumCounts;
  /** true when the result has an even number of managers and only `force` let it through. */
  forced: boolean;
}

export interface GuardOptions {
  /** `force: true` accepts an even number of managers; it never accepts losing quorum. */
  force?: boolean | null | undefined;
  /** For messages: "demoting", "removing", "leaving" (losses), "promoting" (gains). */
  verb?: string;
  /** For messages: the swarm's name. */
  swarmName?: string | undefined;
  /**
   * Refuse (without force) a result with an even number of managers. Default true: an even number tolerates no
   * more failures than one manager fewer, so it only adds a way to lose quorum.
   */
  keepOdd?: boolean;
}

/** Raft needs a majority of all managers, reachable or not. */
function countsOf(managers: number, reachable: number): QuorumCounts {
  const needed = Math.floor(managers / 2) + 1;
  return {
    managers,
    reachable,
    needed,
    tolerates: Math.max(0, reachable - needed),
    hasQuorum: managers > 0 && reachable >= needed,
  };
}

// The desired role, not ManagerStatus: a node being promoted already counts (as not yet reachable) and one being
// demoted no longer does, which is what the raft membership is about to be.
const isManager = (node: DockerNode) => node.Spec.Role === 'manager';
const isReachable = (node: DockerNode) => isManager(node) && node.ManagerStatus?.Reachability === 'reachable';
const nameOf = (node: DockerNode) => node.Description?.Hostname ?? node.ID;

/** The raft counts of the swarm as its node list shows it now. */
export function currentQuorum(nodes: readonly DockerNode[]): QuorumCounts {
  const managers = nodes.filter(isManager);
  return countsOf(managers.length, managers.filter(isReachable).length);
}

function findNode(nodes: readonly DockerNode[], nodeId: string): DockerNode {
  const node = nodes.find((candidate) => candidate.ID === nodeId);
  if (!node) {
    throw new GatewayError('NOT_FOUND', `node "${nodeId}" is not in the swarm's node list`, { ref: nodeId });
  }
  return node;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function describe(before: QuorumCounts, swarmName: string | undefined): string {
  const swarm = swarmName ? `swarm "${swarmName}"` : 'the swarm';
  return `${swarm} has ${plural(before.managers, 'manager')}, ${before.reachable} reachable`;
}

function describeAfter(after: QuorumCounts): string {
  return (
    `the result would have ${plural(after.managers, 'manager')} with ${after.reachable} reachable, ` +
    `would need ${after.needed} for quorum and would tolerate ${plural(after.tolerates, 'failure')}`
  );
}

function unreachableNames(nodes: readonly DockerNode[], except: string): string[] {
  return nodes
    .filter((node) => isManager(node) && !isReachable(node) && node.ID !== except)
    .map(nameOf)
    .sort();
}

/** A change of the managers being checked: the swarm's nodes, the node, what is done, the counts before and after. */
interface ManagerChange {
  nodes: readonly DockerNode[];
  nodeId: string;
  what: string;
  before: QuorumCounts;
  after: QuorumCounts;
  options: GuardOptions;
}

function refuse(message: string, { before, after, nodes, nodeId }: ManagerChange) {
  return new GatewayError('QUORUM_AT_RISK', message, {
    managers: before.managers,
    reachable: before.reachable,
    tolerates: after.tolerates,
    before,
    after,
    unreachableManagers: unreachableNames(nodes, nodeId),
  });
}

/** Throws QUORUM_AT_RISK when the swarm has no quorum now: the raft could not commit the change anyway. */
function requireQuorumNow(change: ManagerChange): void {
  const { nodes, what, before, options } = change;
  if (before.hasQuorum) return;
  const down = unreachableNames(nodes, '');
  throw refuse(
    `${what} is refused: ${describe(before, options.swarmName)} and needs ${before.needed}, so it has lost quorum ` +
      `already and tolerates no failure. Bring the unreachable managers back first` +
      `${down.length > 0 ? ` (${down.join(', ')})` : ''}; force does not override this.`,
    change,
  );
}

function requireOdd(change: ManagerChange): boolean {
  const { what, before, after, options } = change;
  if ((options.keepOdd ?? true) === false || after.managers % 2 === 1) return false;
  if (options.force) return true;
  throw refuse(
    `${what} would leave ${plural(after.managers, 'manager')}, an even number: ` +
      `${describe(before, options.swarmName)}; ${describeAfter(after)}. An even number of managers tolerates no ` +
      `more failures than one manager fewer. Keep an odd number of managers, or pass force: true to do it anyway.`,
    change,
  );
}

/**
 * Checks that `nodeId` may stop being a manager (demote, removal, leave). Refuses with QUORUM_AT_RISK, even with
 * force, when the swarm has no quorum now or would have none afterwards given the managers reachable now; refuses
 * an even number of managers afterwards unless `force`. A node that is not a manager changes nothing.
 */
export function checkManagerLoss(
  nodes: readonly DockerNode[],
  nodeId: string,
  options: GuardOptions = {},
): QuorumAssessment {
  const { node, before } = subjectOf(nodes, nodeId);
  if (!isManager(node)) return unchanged(before);
  const after = countsOf(before.managers - 1, before.reachable - (isReachable(node) ? 1 : 0));
  const what = `${options.verb ?? 'demoting'} ${nameOf(node)}`;
  const change = { nodes, nodeId, what, before, after, options };
  if (after.managers === 0) {
    throw refuse(
      `${what} is refused: it is the last manager of ${options.swarmName ? `swarm "${options.swarmName}"` : 'the swarm'}, ` +
        'which would be left without managers (no way to change it any more). Promote another node first.',
      change,
    );
  }
  return settle(change, () => {
    const down = unreachableNames(nodes, nodeId);
    return (
      `${what} would lose quorum: ${describe(before, options.swarmName)}; ${describeAfter(after)}, ` +
      `so it could not accept any change. Refused even with force: bring the unreachable managers back first` +
      `${down.length > 0 ? ` (${down.join(', ')})` : ''}, or demote an unreachable manager instead.`
    );
  });
}

/**
 * Checks that `nodeId` may become a manager. The new manager only counts as reachable if the node is Ready now;
 * refuses (even with force) when the swarm has no quorum or would have none, and an even number unless `force`.
 * A node that is a manager already changes nothing.
 */
export function checkManagerGain(
  nodes: readonly DockerNode[],
  nodeId: string,
  options: GuardOptions = {},
): QuorumAssessment {
  const { node, before } = subjectOf(nodes, nodeId);
  if (isManager(node)) return unchanged(before);
  const after = countsOf(before.managers + 1, before.reachable + (node.Status.State === 'ready' ? 1 : 0));
  const what = `${options.verb ?? 'promoting'} ${nameOf(node)}`;
  return settle(
    { nodes, nodeId, what, before, after, options },
    () =>
      `${what} would lose quorum: ${describe(before, options.swarmName)} and ${nameOf(node)} is ` +
      `${node.Status.State}, not ready; ${describeAfter(after)}. Refused even with force: ` +
      'promote a Ready node, or bring the unreachable managers back first.',
  );
}

/** The node a check is about, and the swarm's quorum as it is now. */
function subjectOf(nodes: readonly DockerNode[], nodeId: string): { node: DockerNode; before: QuorumCounts } {
  return { node: findNode(nodes, nodeId), before: currentQuorum(nodes) };
}

/** The assessment of a change that leaves the managers as they are. */
function unchanged(before: QuorumCounts): QuorumAssessment {
  return { changes: false, before, after: before, forced: false };
}

/**
 * The checks every change of the managers ends with: the swarm must have quorum now and keep it (`lost` says why not,
 * refused even with force), and an even number of managers afterwards needs force.
 */
function settle(change: ManagerChange, lost: () => string): QuorumAssessment {
  requireQuorumNow(change);
  if (!change.after.hasQuorum) throw refuse(lost(), change);
  const forced = requireOdd(change);
  return { changes: true, before: change.before, after: change.after, forced };
}
