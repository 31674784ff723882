// Mutation root: each field hands its input to the operation of the same name.
import { registerSwarm } from '../../operations/register-swarm.ts';
import { unregisterSwarm } from '../../operations/unregister-swarm.ts';
import { updateSwarm } from '../../operations/update-swarm.ts';
import type { MutationResolvers } from '../generated/types.ts';

export const Mutation: MutationResolvers = {
  registerSwarm: async (_root, { input }, { principal, registryDeps }) => ({
    swarm: await registerSwarm(registryDeps, principal, input),
  }),
  updateSwarm: async (_root, { input }, { principal, registryDeps }) => ({
    swarm: await updateSwarm(registryDeps, principal, input),
  }),
  unregisterSwarm: async (_root, { input }, { principal, registryDeps }) => {
    const swarm = await unregisterSwarm(registryDeps, principal, input);
    return { id: swarm.id, name: swarm.name };
  },
};
