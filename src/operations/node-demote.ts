// demoteNode: `docker node demote`, as a job that ends when the node is a worker; quorum-guarded, needs a reason.
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { checkManagerLoss } from '../domain/quorum-guard.ts';
import { liveNode } from './live-node.ts';
import { startJob } from './start-job.ts';

export interface NodeDemoteInput {
  swarm: string;
  node: string;
  /** Accept an even number of managers afterwards (never a loss of quorum). */
  force?: boolean | null;
  reason?: string | null;
  idempotencyKey?: string | null;
}

export function nodeDemote(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeDemoteInput,
): Promise<JobRecord> {
  const force = input.force ?? false;
  return startJob(deps, ctx, {
    action: 'node.demote',
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
      // Refused here at once; the job checks again, as the swarm may have changed while it was queued.
      checkManagerLoss(nodes, node.ID, { force, swarmName: swarm.name });
      return target;
    },
  });
}
