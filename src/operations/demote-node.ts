// demoteNode: `docker node demote`, as a job that ends when the node is a worker; quorum-guarded, needs a reason.
import type { DockerNode } from '../docker/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import { resolveRef } from '../queries/swarm-reads.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from './pipeline.ts';
import { checkManagerLoss } from './quorum-guard.ts';
import { startJob } from './start-job.ts';

export interface DemoteNodeInput {
  swarm: string;
  node: string;
  /** Accept an even number of managers afterwards (never a loss of quorum). */
  force?: boolean | null;
  reason?: string | null;
  idempotencyKey?: string | null;
}

export function demoteNode(
  deps: OperationDeps,
  ctx: OperationContext,
  input: DemoteNodeInput,
): Promise<JobRecord> {
  const force = input.force ?? false;
  return startJob(deps, ctx, {
    action: 'node.demote',
    swarm: input.swarm,
    input: { node: input.node, force },
    reason: input.reason,
    reasonRequired: true,
    forced: force,
    idempotencyKey: input.idempotencyKey,
    role: 'admin',
    precheck: async (swarm, reads) => {
      // The managers reachable right now: a live listing from a manager, never one served from a cache.
      const client = await reads.clientFor(swarm);
      const nodes = await client.call('node.list', (docker) => docker.listNodes() as Promise<DockerNode[]>);
      const node = resolveRef(
        nodes,
        input.node,
        (n) => n.ID,
        (n) => n.Description?.Hostname ?? '',
        'node',
      );
      // Refused here at once; the job checks again, as the swarm may have changed while it was queued.
      checkManagerLoss(nodes, node.ID, { force, swarmName: swarm.name });
      return { nodeId: node.ID, nodeName: node.Description?.Hostname ?? node.ID };
    },
  });
}
