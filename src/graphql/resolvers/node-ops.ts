// Mutations of the node operations: each hands its input to the operation of the same name.
import { nodeDemote } from '../../operations/node-demote.ts';
import { nodePromote } from '../../operations/node-promote.ts';
import { nodeRemove } from '../../operations/node-remove.ts';
import { nodeSetAvailability } from '../../operations/node-availability.ts';
import { nodeLabelsUpdate } from '../../operations/node-labels.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const nodeMutations: MutationResolvers = {
  setNodeAvailability: (_root, { input }, { deps, operation }) => nodeSetAvailability(deps, operation, input),
  promoteNode: (_root, { input }, { deps, operation }) => nodePromote(deps, operation, input),
  demoteNode: (_root, { input }, { deps, operation }) => nodeDemote(deps, operation, input),
  updateNodeLabels: (_root, { input }, { deps, operation }) => nodeLabelsUpdate(deps, operation, input),
  removeNode: (_root, { input }, { deps, operation }) => nodeRemove(deps, operation, input),
};
