// The removal rule, shared by the request (refused at once) and the job (checked again when it runs): a manager is
// refused as Docker does (demote it first), with QUORUM_AT_RISK when that would lose quorum; a node not Down needs force.
import type { DockerNode } from '../docker/types.ts';
import { conflict } from '../errors.ts';
import { checkManagerLoss } from './quorum-guard.ts';

/**
 * Why `node` may not be removed now, as the error to throw; null when it may. Shared by the request and the job,
 * which checks again against the swarm as it is when the job runs.
 */
export function removalRefusal(
  nodes: readonly DockerNode[],
  node: DockerNode,
  force: boolean,
  swarmName: string,
): Error | null {
  const name = node.Description?.Hostname ?? node.ID;
  if (node.Spec.Role === 'manager' || node.ManagerStatus) {
    // Losing quorum is the graver answer; force never overrides either refusal.
    checkManagerLoss(nodes, node.ID, { force: true, verb: 'removing', swarmName });
    return conflict(
      `node ${name} is a manager of swarm "${swarmName}": demote it first (demoteNode), then remove it; ` +
        'force does not remove a manager',
      { nodeId: node.ID },
    );
  }
  if (node.Status.State !== 'down' && !force) {
    return conflict(
      `node ${name} is ${node.Status.State}, not down: make it leave the swarm first (leaveSwarm, or ` +
        '`docker swarm leave` on the node) and wait until it is Down, drain it first, or pass force: true to ' +
        'remove it anyway',
      { nodeId: node.ID, state: node.Status.State },
    );
  }
  return null;
}
