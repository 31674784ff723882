// removeNode: `docker node rm [--force]`, as a job. A node that is not Down is refused unless force (it should leave
// first); a manager is refused as Docker does (demote it first), with QUORUM_AT_RISK when that would lose quorum.
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { removalRefusal } from '../domain/node-removal.ts';
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
