// Mutations of the service operations: each hands its input to the operation of the same name.
import { createService } from '../../operations/create-service.ts';
import { removeService } from '../../operations/remove-service.ts';
import { rollbackService } from '../../operations/rollback-service.ts';
import { scaleService } from '../../operations/scale-service.ts';
import { updateService } from '../../operations/update-service.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const serviceMutations: MutationResolvers = {
  createService: (_root, { input }, { deps, operation }) => createService(deps, operation, input),
  scaleService: (_root, { input }, { deps, operation }) => scaleService(deps, operation, input),
  updateService: (_root, { input }, { deps, operation }) => updateService(deps, operation, input),
  rollbackService: (_root, { input }, { deps, operation }) => rollbackService(deps, operation, input),
  removeService: (_root, { input }, { deps, operation }) => removeService(deps, operation, input),
};
