// Mutations of the node operations: each hands its input to the operation of the same name and answers
// with the view of its job.
import { nodeDemote } from '../../operations/node-demote.ts';
import { nodePromote } from '../../operations/node-promote.ts';
import { nodeRemove } from '../../operations/node-remove.ts';
import { nodeSetAvailability } from '../../operations/node-availability.ts';
import { nodeLabelsUpdate } from '../../operations/node-labels.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const nodeMutations: MutationResolvers = {
  setNodeAvailability: (_root, { input }, { deps, operation }) =>
    nodeSetAvailability(deps, operation, input).then(toJobView),
  promoteNode: (_root, { input }, { deps, operation }) => nodePromote(deps, operation, input).then(toJobView),
  demoteNode: (_root, { input }, { deps, operation }) => nodeDemote(deps, operation, input).then(toJobView),
  updateNodeLabels: (_root, { input }, { deps, operation }) =>
    nodeLabelsUpdate(deps, operation, input).then(toJobView),
  removeNode: (_root, { input }, { deps, operation }) => nodeRemove(deps, operation, input).then(toJobView),
};
