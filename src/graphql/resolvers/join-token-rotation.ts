// Scheduled join-token rotation: Swarm.joinTokenRotation (viewer) and setJoinTokenRotation (admin), through the same
// query and operation as REST.
import { swarmJoinTokenRotationSet } from '../../operations/swarm-join-token-rotation-set.ts';
import { swarmJoinTokenRotation } from '../../queries/join-token-rotation-queries.ts';
import type { MutationResolvers, SwarmResolvers } from '../generated/types.ts';

export const joinTokenRotationFields: SwarmResolvers = {
  joinTokenRotation: (swarm, _args, { deps }) =>
    swarmJoinTokenRotation(deps.joinTokenSchedule?.rotations, swarm),
};

export const joinTokenRotationMutations: MutationResolvers = {
  setJoinTokenRotation: (_root, { input }, { deps, operation }) =>
    swarmJoinTokenRotationSet(deps, operation, input),
};
