// Mutations of the node operations: each hands its input to the operation of the same name.
import { demoteNode } from '../../operations/demote-node.ts';
import { promoteNode } from '../../operations/promote-node.ts';
import { removeNode } from '../../operations/remove-node.ts';
import { setNodeAvailability } from '../../operations/set-node-availability.ts';
import { updateNodeLabels } from '../../operations/update-node-labels.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const nodeMutations: MutationResolvers = {
  setNodeAvailability: (_root, { input }, { deps, operation }) => setNodeAvailability(deps, operation, input),
  promoteNode: (_root, { input }, { deps, operation }) => promoteNode(deps, operation, input),
  demoteNode: (_root, { input }, { deps, operation }) => demoteNode(deps, operation, input),
  updateNodeLabels: (_root, { input }, { deps, operation }) => updateNodeLabels(deps, operation, input),
  removeNode: (_root, { input }, { deps, operation }) => removeNode(deps, operation, input),
};
