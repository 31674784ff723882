// updateSwarm: rename a swarm, replace its labels, or replace its endpoints (checked to be the same cluster).
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { tenantScope } from '../queries/swarm-reads.ts';
import { badInput, notFound } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { RegistryDeps } from './register-swarm.ts';
import {
  labelsFromInput,
  validateEndpoints,
  validateSwarmName,
  verifyManagers,
} from './swarm-registration.ts';

export interface UpdateSwarmInput {
  swarm: string;
  name?: string | null;
  labels?: { key: string; value?: string | null }[] | null;
  endpoints?: EngineEndpoint[] | null;
}

export async function updateSwarm(
  deps: RegistryDeps,
  principal: Principal,
  input: UpdateSwarmInput,
): Promise<SwarmRecord> {
  const swarm = await deps.registry.findSwarm(tenantScope(principal), input.swarm);
  if (!swarm) throw notFound('swarm', input.swarm);
  requireRole(principal, 'admin', 'update a swarm registration');
  if (input.name == null && input.labels == null && input.endpoints == null) {
    throw badInput('nothing to change: give name, labels or endpoints');
  }
  const name = input.name == null ? undefined : validateSwarmName(input.name);
  const labels = input.labels == null ? undefined : labelsFromInput(input.labels);
  let endpoints: EngineEndpoint[] | undefined;
  if (input.endpoints != null) {
    endpoints = validateEndpoints(input.endpoints);
    const clusterId = await verifyManagers(swarm.name, endpoints, deps.dockerTimeoutMs);
    if (clusterId !== swarm.clusterId) {
      throw badInput(
        'the new endpoints belong to another cluster; unregister this swarm and register that one instead',
      );
    }
  }
  const updated = await deps.registry.updateSwarm(swarm.id, { name, labels, endpoints });
  deps.swarmClients.forget(swarm.id);
  return updated;
}
