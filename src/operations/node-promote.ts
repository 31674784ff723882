// nodePromote: `docker node promote`, as a job that ends when the node is a reachable manager; quorum-guarded.
// force accepts an even number of managers afterwards (never a loss of quorum).
import { checkManagerGain } from '../domain/quorum-guard.ts';
import { guardedNodeOperation } from './node-guarded.ts';

export const nodePromote = guardedNodeOperation({
  action: 'node.promote',
  reasonRequired: false,
  check: (nodes, node, force, swarmName) => checkManagerGain(nodes, node.ID, { force, swarmName }),
});
