// The shape shared by node.promote, node.demote and node.remove: admin, forced or not, checked against a live
// listing of the swarm's nodes before anything is queued (the job checks again when it runs).
import type { OperationContext } from '../audit/types.ts';
import type { DockerNode } from '../docker/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { liveNode } from './live-node.ts';
import { requestJob, type JobRequest } from './start-job.ts';

export interface NodeForceInput extends JobRequest {
  /** ID, unique ID prefix or hostname. */
  node: string;
  force?: boolean | null;
}

export interface NodeGuard {
  action: 'node.promote' | 'node.demote' | 'node.remove';
  reasonRequired: boolean;
  /** Throws the refusal (QUORUM_AT_RISK, CONFLICT...) when the change may not be made to the swarm as it is. */
  check: (nodes: readonly DockerNode[], node: DockerNode, force: boolean, swarmName: string) => void;
}

export function guardedNodeOperation(
  guard: NodeGuard,
): (deps: OperationDeps, ctx: OperationContext, input: NodeForceInput) => Promise<JobRecord> {
  return (deps, ctx, input) => guardedNodeJob(deps, ctx, input, guard);
}

function guardedNodeJob(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeForceInput,
  guard: NodeGuard,
): Promise<JobRecord> {
  const force = input.force ?? false;
  return requestJob(deps, ctx, input, {
    action: guard.action,
    node: input.node,
    nodeFromManagers: true,
    input: { node: input.node, force },
    reasonRequired: guard.reasonRequired,
    forced: force,
    role: 'admin',
    precheck: async (swarm, reads, learn) => {
      const { nodes, node, target } = await liveNode(reads, swarm, input.node);
      learn(target);
      // Refused here at once; the job checks again, as the swarm may have changed while it was queued.
      guard.check(nodes, node, force, swarm.name);
      return target;
    },
  });
}
