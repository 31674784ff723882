// registerSwarm: an admin registers a running swarm by its manager endpoints into its tenant.
import { requirePlatformAdmin, requireRole } from '../auth/authorize.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';
import {
  labelsFromInput,
  checkEndpoints,
  validateSwarmName,
  verifyManagers,
} from '../domain/swarm-registration.ts';

export interface SwarmRegisterInput {
  name: string;
  endpoints: EngineEndpoint[];
  labels?: { key: string; value?: string | null }[] | null;
  tenant?: string | null;
  reason?: string | null;
}

export function swarmRegister(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmRegisterInput,
): Promise<SwarmRecord> {
  const { principal } = ctx;
  const tenant = input.tenant ?? principal.tenant;
  return runOperation(deps, ctx, {
    action: 'swarm.register',
    parameters: { name: input.name, endpoints: input.endpoints, labels: input.labels ?? [], tenant },
    reason: input.reason,
    // The tenant whose audit chain records the attempt: a caller who may not act in the tenant it names is refused
    // here, so that its refusal is recorded in its own tenant's log, never written into another's.
    locate: () => {
      if (tenant !== principal.tenant) requirePlatformAdmin(principal, 'register a swarm in another tenant');
      return Promise.resolve({ tenant, target: { swarmName: input.name } });
    },
    execute: async () => {
      requireRole(principal, 'admin', 'register a swarm');
      const name = validateSwarmName(input.name);
      const labels = labelsFromInput(input.labels ?? []);
      const endpoints = await checkEndpoints(deps, principal, input.endpoints);
      const { clusterId, managerNodeIds } = await verifyManagers(endpoints, deps.dockerTimeoutMs);
      const tenantRecord = await deps.registry.ensureTenant(tenant);
      return deps.registry.insertSwarm({
        tenantId: tenantRecord.id,
        name,
        clusterId,
        managerNodeIds,
        labels,
        endpoints,
      });
    },
    summarize: (swarm) => ({ target: { swarmId: swarm.id }, result: { clusterId: swarm.clusterId } }),
  });
}
