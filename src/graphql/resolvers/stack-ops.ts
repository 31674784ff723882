// Mutations of the stack operations: each hands its input to the operation of the same name and answers with the
// view of its job.
import { stackRemove } from '../../operations/stack-remove.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const stackMutations: MutationResolvers = {
  removeStack: (_root, { input }, { deps, operation }) => stackRemove(deps, operation, input).then(toJobView),
};
