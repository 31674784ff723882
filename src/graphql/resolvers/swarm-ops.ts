// Mutations of the swarm operations: each hands its input to the operation of the same name and answers
// with the view of its job.
import { swarmInit } from '../../operations/swarm-init.ts';
import { swarmJoinNode } from '../../operations/swarm-join-node.ts';
import { swarmLeave } from '../../operations/swarm-leave.ts';
import { swarmRotateJoinToken } from '../../operations/swarm-rotate-join-token.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const swarmMutations: Pick<
  MutationResolvers,
  'rotateJoinToken' | 'joinNode' | 'leaveSwarm' | 'initSwarm'
> = {
  rotateJoinToken: (_root, { input }, { deps, operation }) =>
    swarmRotateJoinToken(deps, operation, input).then(({ job, token }) => ({ job: toJobView(job), token })),
  joinNode: (_root, { input }, { deps, operation }) => swarmJoinNode(deps, operation, input).then(toJobView),
  leaveSwarm: (_root, { input }, { deps, operation }) => swarmLeave(deps, operation, input).then(toJobView),
  initSwarm: (_root, { input }, { deps, operation }) => swarmInit(deps, operation, input).then(toJobView),
};
