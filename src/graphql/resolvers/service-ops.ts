// Mutations of the service operations: each hands its input to the operation of the same name and answers
// with the view of its job.
import { serviceCreate } from '../../operations/service-create.ts';
import { serviceRemove } from '../../operations/service-remove.ts';
import { serviceRollback } from '../../operations/service-rollback.ts';
import { serviceScale } from '../../operations/service-scale.ts';
import { serviceUpdate } from '../../operations/service-update.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const serviceMutations: MutationResolvers = {
  createService: (_root, { input }, { deps, operation }) =>
    serviceCreate(deps, operation, input).then(toJobView),
  scaleService: (_root, { input }, { deps, operation }) =>
    serviceScale(deps, operation, input).then(toJobView),
  updateService: (_root, { input }, { deps, operation }) =>
    serviceUpdate(deps, operation, input).then(toJobView),
  rollbackService: (_root, { input }, { deps, operation }) =>
    serviceRollback(deps, operation, input).then(toJobView),
  removeService: (_root, { input }, { deps, operation }) =>
    serviceRemove(deps, operation, input).then(toJobView),
};
