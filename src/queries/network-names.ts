// Names of the networks services are attached to, so that a service's spec reads with network names (Docker keeps
// only their IDs). Asked of a manager only when a service has networks; when it cannot say, the IDs stay (they
// resolve as well when the spec is sent back).
import { listNetworks } from '../docker/reads.ts';
import type { DockerService } from '../docker/types.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { SwarmReads } from './swarm-reads.ts';

export type NetworkName = (id: string) => string;

const byId: NetworkName = (id) => id;

export async function networkNamesOf(
  reads: SwarmReads,
  swarm: SwarmRecord,
  services: readonly DockerService[],
): Promise<NetworkName> {
  const attached = services.some(
    (service) => (service.Spec.TaskTemplate.Networks ?? service.Spec.Networks ?? []).length > 0,
  );
  if (!attached) return byId;
  try {
    const names = new Map((await listNetworks(await reads.clientFor(swarm))).map((n) => [n.Id, n.Name]));
    return (id) => names.get(id) ?? id;
  } catch {
    return byId;
  }
}
