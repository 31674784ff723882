// nodeRemove: `docker node rm [--force]`, as a job; needs a reason. A node that is not Down is refused unless force
// (it should leave first; force cuts it off from the swarm without leaving it); a manager is refused as Docker does
// (demote it first), with QUORUM_AT_RISK when that would lose quorum.
import { removalRefusal } from '../domain/node-removal.ts';
import { guardedNodeOperation } from './node-guarded.ts';

export const nodeRemove = guardedNodeOperation({
  action: 'node.remove',
  reasonRequired: true,
  check: (nodes, node, force, swarmName) => {
    const refusal = removalRefusal(nodes, node, force, swarmName);
    if (refusal) throw refusal;
  },
});
