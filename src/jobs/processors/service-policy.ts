// The swarm's policy as it is when a service job runs: read again from the registry (an admin may have changed it
// since the request), the job's own record when the registry cannot say.
import { policyOf, type SwarmPolicy } from '../../domain/swarm-policy.ts';
import type { JobContext } from '../processor.ts';
import type { JobType } from '../types.ts';

export async function currentPolicy<T extends JobType>(ctx: JobContext<T>): Promise<SwarmPolicy> {
  if (!ctx.swarm) return policyOf(null);
  const fresh = await ctx.deps.registry.findSwarmNow(null, ctx.swarm.id);
  return policyOf(fresh ?? ctx.swarm);
}
