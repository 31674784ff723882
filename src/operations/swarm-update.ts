// updateSwarm: rename a swarm, replace its labels, or replace its endpoints (checked to be the same cluster).
import { requireRole } from '../auth/authorize.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { badInput } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';
import {
  swarmLocator,
  labelsFromInput,
  checkEndpoints,
  validateSwarmName,
  verifyManagers,
} from '../domain/swarm-registration.ts';

export interface SwarmUpdateInput {
  swarm: string;
  name?: string | null;
  labels?: { key: string; value?: string | null }[] | null;
  endpoints?: EngineEndpoint[] | null;
  reason?: string | null;
}

export function swarmUpdate(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmUpdateInput,
): Promise<SwarmRecord> {
  let swarm: SwarmRecord;
  return runOperation(deps, ctx, {
    action: 'swarm.update',
    parameters: { swarm: input.swarm, name: input.name, labels: input.labels, endpoints: input.endpoints },
    reason: input.reason,
    locate: swarmLocator(deps, ctx.principal, input.swarm, (found) => (swarm = found)),
    execute: async () => {
      requireRole(ctx.principal, 'admin', 'update a swarm registration');
      if (input.name == null && input.labels == null && input.endpoints == null) {
        throw badInput('nothing to change: give name, labels or endpoints');
      }
      const name = input.name == null ? undefined : validateSwarmName(input.name);
      const labels = input.labels == null ? undefined : labelsFromInput(input.labels);
      let endpoints: EngineEndpoint[] | undefined;
      let managerNodeIds: string[] | undefined;
      if (input.endpoints != null) {
        endpoints = await checkEndpoints(deps, ctx.principal, input.endpoints);
        const verified = await verifyManagers(endpoints, deps.dockerTimeoutMs);
        managerNodeIds = verified.managerNodeIds;
        if (verified.clusterId !== swarm.clusterId) {
          throw badInput(
            'the new endpoints belong to another cluster; unregister this swarm and register that one instead',
          );
        }
      }
      const updated = await deps.registry.updateSwarm(swarm.id, { name, labels, endpoints, managerNodeIds });
      deps.swarmClients.forget(swarm.id);
      return updated;
    },
    summarize: (updated) => ({ result: { name: updated.name } }),
  });
}
