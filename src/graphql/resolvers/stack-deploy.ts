// deployStack: hands its input to the stack.deploy operation and answers with the view of its job (a dry run's
// job has ended, with its plan).
import { stackDeploy } from '../../operations/stack-deploy.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const stackDeployMutations: MutationResolvers = {
  deployStack: (_root, { input }, { deps, operation }) => stackDeploy(deps, operation, input).then(toJobView),
};
