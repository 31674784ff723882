// What a service spec must pass before Docker is sent it, at request time (refused before anything is queued) and
// again in the job (the policy, the networks, secrets and configs may have changed since): the swarm's policy, then
// its references resolved to the IDs Docker needs.
import type { DockerCaller } from '../docker/reads.ts';
import { listConfigs, listNetworks, listSecrets } from '../docker/reads.ts';
import type { DockerServiceSpec } from '../docker/types.ts';
import {
  isServiceNetwork,
  resolveServiceRefs,
  specObjectsFor,
  type SpecLookups,
} from './service-spec-fields.ts';
import { checkServiceAgainstPolicy, type SwarmPolicy } from './swarm-policy.ts';

/** The swarm's networks, secrets and configs as a manager lists them (names and IDs only; never a value). */
export function specLookupsOf(caller: DockerCaller): SpecLookups {
  return {
    networks: async () =>
      (await listNetworks(caller)).map((network) => ({
        id: network.Id,
        name: network.Name,
        usable: isServiceNetwork(network),
      })),
    secrets: async () =>
      (await listSecrets(caller)).map((secret) => ({ id: secret.ID, name: secret.Spec.Name })),
    configs: async () =>
      (await listConfigs(caller)).map((config) => ({ id: config.ID, name: config.Spec.Name })),
  };
}

/**
 * The spec Docker is to be sent: FORBIDDEN when the swarm's policy does not allow it, BAD_INPUT naming a network,
 * secret or config reference that names nothing; otherwise the spec with its references resolved.
 */
export async function admitServiceSpec(
  spec: DockerServiceSpec,
  policy: SwarmPolicy,
  lookups: SpecLookups,
): Promise<DockerServiceSpec> {
  checkServiceAgainstPolicy(spec, policy);
  return resolveServiceRefs(spec, await specObjectsFor(spec, lookups));
}
