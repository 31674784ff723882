// nodeDemote: `docker node demote`, as a job that ends when the node is a worker; quorum-guarded, needs a reason.
// force accepts an even number of managers afterwards (never a loss of quorum).
import { checkManagerLoss } from '../domain/quorum-guard.ts';
import { guardedNodeOperation } from './node-guarded.ts';

export const nodeDemote = guardedNodeOperation({
  action: 'node.demote',
  reasonRequired: true,
  check: (nodes, node, force, swarmName) => checkManagerLoss(nodes, node.ID, { force, swarmName }),
});
