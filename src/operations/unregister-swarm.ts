// unregisterSwarm: forget a swarm's registration; the swarm itself is not touched.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import { tenantScope } from '../queries/swarm-reads.ts';
import { notFound } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { RegistryDeps } from './register-swarm.ts';

export async function unregisterSwarm(
  deps: RegistryDeps,
  principal: Principal,
  input: { swarm: string },
): Promise<SwarmRecord> {
  const swarm = await deps.registry.findSwarm(tenantScope(principal), input.swarm);
  if (!swarm) throw notFound('swarm', input.swarm);
  requireRole(principal, 'admin', 'unregister a swarm');
  if (!(await deps.registry.deleteSwarm(swarm.id))) throw notFound('swarm', input.swarm);
  deps.swarmClients.forget(swarm.id);
  return swarm;
}
