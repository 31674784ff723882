// Swarm fields of stacks: the stacks the namespace label groups (`docker stack ls`) and one stack by name.
import { getStack, stackViews } from '../../queries/stack-queries.ts';
import type { SwarmResolvers } from '../generated/types.ts';

export const stackFields: SwarmResolvers = {
  // `fresh: true` reads the services from a manager instead of the gateway's event-fed state.
  stacks: (swarm, { fresh }, { reads }) => stackViews(reads.withFresh(fresh), swarm),
  stack: (swarm, { name, fresh }, { reads }) => getStack(reads.withFresh(fresh), swarm, name),
};
