// Mutations of the node operations: each hands its input to the operation of the same name.
import type { MutationResolvers } from '../generated/types.ts';

export const nodeMutations: MutationResolvers = {};
