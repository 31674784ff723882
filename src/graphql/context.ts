// The per-request GraphQL context: who is calling, the request's memoised swarm reads, and the operations' deps.
import type { Principal } from '../auth/principal.ts';
import type { RegistryDeps } from '../operations/register-swarm.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';
import type { RegistryRepository } from '../registry/repository.ts';

export interface GraphqlContext {
  principal: Principal;
  reads: SwarmReads;
  registry: RegistryRepository;
  registryDeps: RegistryDeps;
}
