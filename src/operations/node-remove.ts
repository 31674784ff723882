// removeNode: `docker node rm [--force]`, as a job. A node that is not Down is refused unless force (it should leave
// first); a manager is refused as Docker does (demote it first), with QUORUM_AT_RISK when that would lose quorum.
import type { DockerNode } from '../docker/types.ts';
import { conflict } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from './pipeline.ts';
import { checkManagerLoss } from '../domain/quorum-guard.ts';
import { liveNode } from './live-node.ts';
import { startJob } from './start-job.ts';

export interface NodeRemoveInput {
  swarm: string;
  node: string;
  /** Remove a node that is not Down (it is cut off from the swarm without leaving it). Never a manager. */
  force?: boolean | null;
  reason?: string | null;
  idempotencyKey?: string | null;
}

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

export function nodeRemove(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeRemoveInput,
): Promise<JobRecord> {
  const force = input.force ?? false;
  return startJob(deps, ctx, {
    action: 'node.remove',
    swarm: input.swarm,
    node: input.node,
    nodeFromManagers: true,
    input: { node: input.node, force },
    reason: input.reason,
    reasonRequired: true,
    forced: force,
    idempotencyKey: input.idempotencyKey,
    role: 'admin',
    precheck: async (swarm, reads, learn) => {
      const { nodes, node, target } = await liveNode(reads, swarm, input.node);
      learn(target);
      const refusal = removalRefusal(nodes, node, force, swarm.name);
      if (refusal) throw refusal;
      return target;
    },
  });
}
