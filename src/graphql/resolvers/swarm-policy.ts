// The swarm's policy: Swarm.policy (viewer) and setSwarmPolicy (admin), through the same query and operation as REST.
import { swarmPolicySet } from '../../operations/swarm-policy-set.ts';
import { swarmPolicyView } from '../../queries/swarm-policy-queries.ts';
import type { MutationResolvers, SwarmResolvers } from '../generated/types.ts';

export const swarmPolicyFields: SwarmResolvers = {
  policy: (swarm) => swarmPolicyView(swarm),
};

export const swarmPolicyMutations: MutationResolvers = {
  setSwarmPolicy: (_root, { input }, { deps, operation }) => swarmPolicySet(deps, operation, input),
};
