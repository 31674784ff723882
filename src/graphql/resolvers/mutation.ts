// Mutation root: each field hands its input to the operation of the same name.
import { swarmRegister } from '../../operations/swarm-register.ts';
import { swarmUnregister } from '../../operations/swarm-unregister.ts';
import { swarmUpdate } from '../../operations/swarm-update.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const Mutation: MutationResolvers = {
  registerSwarm: async (_root, { input }, { deps, operation }) => ({
    swarm: await swarmRegister(deps, operation, input),
  }),
  updateSwarm: async (_root, { input }, { deps, operation }) => ({
    swarm: await swarmUpdate(deps, operation, input),
  }),
  unregisterSwarm: async (_root, { input }, { deps, operation }) => {
    const swarm = await swarmUnregister(deps, operation, input);
    return { id: swarm.id, name: swarm.name };
  },
};
