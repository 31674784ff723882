// Mutation root: each field hands its input to the operation of the same name.
import { registerSwarm } from '../../operations/register-swarm.ts';
import { unregisterSwarm } from '../../operations/unregister-swarm.ts';
import { updateSwarm } from '../../operations/update-swarm.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const Mutation: MutationResolvers = {
  registerSwarm: async (_root, { input }, { deps, operation }) => ({
    swarm: await registerSwarm(deps, operation, input),
  }),
  updateSwarm: async (_root, { input }, { deps, operation }) => ({
    swarm: await updateSwarm(deps, operation, input),
  }),
  unregisterSwarm: async (_root, { input }, { deps, operation }) => {
    const swarm = await unregisterSwarm(deps, operation, input);
    return { id: swarm.id, name: swarm.name };
  },
};
