// registerSwarm: an admin registers a running swarm by its manager endpoints into its tenant.
import { requirePlatformAdmin, requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import {
  labelsFromInput,
  validateEndpoints,
  validateSwarmName,
  verifyManagers,
} from './swarm-registration.ts';

export interface RegisterSwarmInput {
  name: string;
  endpoints: EngineEndpoint[];
  labels?: { key: string; value?: string | null }[] | null;
  tenant?: string | null;
}

export interface RegistryDeps {
  registry: RegistryRepository;
  swarmClients: Pick<SwarmClients, 'forget'>;
  dockerTimeoutMs: number;
}

export async function registerSwarm(
  deps: RegistryDeps,
  principal: Principal,
  input: RegisterSwarmInput,
): Promise<SwarmRecord> {
  requireRole(principal, 'admin', 'register a swarm');
  const tenant = input.tenant ?? principal.tenant;
  if (tenant !== principal.tenant) requirePlatformAdmin(principal, 'register a swarm in another tenant');
  const name = validateSwarmName(input.name);
  const labels = labelsFromInput(input.labels ?? []);
  const endpoints = validateEndpoints(input.endpoints);
  const clusterId = await verifyManagers(name, endpoints, deps.dockerTimeoutMs);
  const tenantRecord = await deps.registry.ensureTenant(tenant);
  return deps.registry.insertSwarm({ tenantId: tenantRecord.id, name, clusterId, labels, endpoints });
}
