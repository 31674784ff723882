// setSwarmPolicy: replaces what a swarm's services may do beyond the defaults (bind mounts of host paths, added
// capabilities, privileges) (admin). A quick audited change of the registration: its event records the policy.
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import { swarmLocator } from '../domain/swarm-registration.ts';
import { policyOf, swarmPolicyOf, type SwarmPolicy, type SwarmPolicyInput } from '../domain/swarm-policy.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';

export interface SwarmPolicySetInput extends SwarmPolicyInput {
  /** Swarm id or name. */
  swarm: string;
  reason?: string | null | undefined;
  /** Taken for symmetry with the other mutations: setting a policy is idempotent by itself. */
  idempotencyKey?: string | null | undefined;
}

export function swarmPolicySet(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmPolicySetInput,
): Promise<SwarmPolicy> {
  let swarm: SwarmRecord;
  return runOperation(deps, ctx, {
    action: 'swarm.policy.set',
    parameters: {
      swarm: input.swarm,
      bindMountPaths: input.bindMountPaths ?? [],
      capabilities: input.capabilities ?? [],
      allowPrivileges: input.allowPrivileges ?? false,
    },
    reason: input.reason,
    locate: swarmLocator(deps, ctx.principal, input.swarm, (found) => (swarm = found)),
    execute: async () => {
      requireRole(ctx.principal, 'admin', "set a swarm's policy");
      const policy = swarmPolicyOf(input);
      return policyOf(await deps.registry.setSwarmPolicy(swarm.id, policy));
    },
    // The outcome records the policy as stored (normalised), and the one it replaced.
    summarize: (policy) => ({ result: { policy, previous: policyOf(swarm) } }),
  });
}
