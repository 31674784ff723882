// Mutations of the swarm operations: each hands its input to the operation of the same name.
import { initSwarm } from '../../operations/init-swarm.ts';
import { joinNode } from '../../operations/join-node.ts';
import { leaveSwarm } from '../../operations/leave-swarm.ts';
import { rotateJoinToken } from '../../operations/rotate-join-token.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const swarmMutations: Pick<
  MutationResolvers,
  'rotateJoinToken' | 'joinNode' | 'leaveSwarm' | 'initSwarm'
> = {
  rotateJoinToken: (_root, { input }, { deps, operation }) => rotateJoinToken(deps, operation, input),
  joinNode: (_root, { input }, { deps, operation }) => joinNode(deps, operation, input),
  leaveSwarm: (_root, { input }, { deps, operation }) => leaveSwarm(deps, operation, input),
  initSwarm: (_root, { input }, { deps, operation }) => initSwarm(deps, operation, input),
};
