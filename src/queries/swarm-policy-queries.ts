// The policy of a swarm in the caller's reach (viewer): what its services may do beyond the defaults.
import { policyOf, type SwarmPolicy } from '../domain/swarm-policy.ts';
import type { SwarmRecord } from '../registry/repository.ts';

/** The swarm's policy as both doors answer it (nothing allowed when none was set). */
export function swarmPolicyView(swarm: SwarmRecord): SwarmPolicy {
  const policy = policyOf(swarm);
  return {
    bindMountPaths: [...policy.bindMountPaths],
    capabilities: [...policy.capabilities],
    allowPrivileges: policy.allowPrivileges,
  };
}
