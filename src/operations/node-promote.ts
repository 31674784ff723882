// nodePromote: `docker node promote`, as a job that ends when the node is a reachable manager; quorum-guarded.
// force accepts an even number of managers afterwards (never a loss of quorum).
import type { OperationContext } from '../audit/types.ts';
import { checkManagerGain } from '../domain/quorum-guard.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { guardedNodeJob, type NodeForceInput } from './node-guarded.ts';

export function nodePromote(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeForceInput,
): Promise<JobRecord> {
  return guardedNodeJob(deps, ctx, input, {
    action: 'node.promote',
    reasonRequired: false,
    check: (nodes, node, force, swarmName) => checkManagerGain(nodes, node.ID, { force, swarmName }),
  });
}
