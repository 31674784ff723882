// Rolling maintenance: startMaintenance, continueMaintenance, resumeMaintenance (the same operations as REST) and
// Job.maintenanceNodes, the per-node record of a maintenance job.
import {
  swarmMaintenanceContinue,
  swarmMaintenanceResume,
  swarmMaintenanceStart,
} from '../../operations/swarm-maintenance.ts';
import { maintenanceNodesOf } from '../../queries/maintenance-queries.ts';
import { toJobView } from '../../queries/views.ts';
import type { GraphqlContext } from '../context.ts';
import type { JobResolvers, MutationResolvers } from '../generated/types.ts';
import type { SubscriptionContext } from '../subscriptions.ts';

/** The database of a query's context, or of a subscription's (jobUpdated resolves Job's fields too). */
const poolOf = (context: GraphqlContext | SubscriptionContext) =>
  'deps' in context ? context.deps.pool : context.app.pg;

export const maintenanceJobFields: Pick<JobResolvers, 'maintenanceNodes'> = {
  maintenanceNodes: (job, _args, context: GraphqlContext | SubscriptionContext) =>
    maintenanceNodesOf(poolOf(context), job),
};

export const maintenanceMutations: MutationResolvers = {
  startMaintenance: (_root, { input }, { deps, operation }) =>
    swarmMaintenanceStart(deps, operation, input).then(toJobView),
  continueMaintenance: (_root, { input }, { deps, operation }) =>
    swarmMaintenanceContinue(deps, operation, input).then(toJobView),
  resumeMaintenance: (_root, { input }, { deps, operation }) =>
    swarmMaintenanceResume(deps, operation, input).then(toJobView),
};
