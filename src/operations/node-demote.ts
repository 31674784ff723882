// nodeDemote: `docker node demote`, as a job that ends when the node is a worker; quorum-guarded, needs a reason.
// force accepts an even number of managers afterwards (never a loss of quorum).
import type { OperationContext } from '../audit/types.ts';
import { checkManagerLoss } from '../domain/quorum-guard.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { guardedNodeJob, type NodeForceInput } from './node-guarded.ts';

export function nodeDemote(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeForceInput,
): Promise<JobRecord> {
  return guardedNodeJob(deps, ctx, input, {
    action: 'node.demote',
    reasonRequired: true,
    check: (nodes, node, force, swarmName) => checkManagerLoss(nodes, node.ID, { force, swarmName }),
  });
}
