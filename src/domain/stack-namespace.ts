// What makes objects one stack: the label the docker CLI's `stack deploy` puts on every service, network, secret and
// config it creates. Reads and removal find a stack by that label alone, so a stack deployed with the CLI and one
// deployed through the gateway are the same thing to both.
import { listConfigs, listNetworks, listSecrets, listServices, type DockerCaller } from '../docker/reads.ts';
import type { DockerConfig, DockerNetwork, DockerSecret, DockerService } from '../docker/types.ts';
import { badInput } from '../errors.ts';

export const STACK_NAMESPACE_LABEL = 'com.docker.stack.namespace';

/**
 * Letters, digits, "_", "." and "-", starting with a letter or digit: what the CLI accepts and Docker can name
 * objects after (`<stack>_<service>`). Upper case is allowed: the CLI deploys `docker stack deploy ... MyApp`.
 */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Docker's limit on a service name is 63; a stack name leaves room for "_" and the service's own name. */
export const MAX_STACK_NAME = 50;

/** How long stack.remove waits, by default, for the services' tasks to stop and let go of the stack's networks. */
export const STACK_REMOVE_TIMEOUT_SECONDS = 120;

/** The stack name, checked; BAD_INPUT naming `field` otherwise. */
export function stackNameOf(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length > MAX_STACK_NAME || !STACK_NAME.test(value)) {
    throw badInput(
      `${field} must be a stack name: 1-${MAX_STACK_NAME} letters, digits, "_", "." or "-", starting with a ` +
        'letter or digit',
      { field },
    );
  }
  return value;
}

/** The stack an object belongs to, by its labels; undefined for an object of no stack. */
export function stackOf(labels: Readonly<Record<string, string>> | null | undefined): string | undefined {
  const name = labels?.[STACK_NAMESPACE_LABEL];
  return name ? name : undefined;
}

/** The objects of one stack (the swarm's whole list filtered here: one listing serves every stack). */
export function ofStack<T>(
  objects: readonly T[],
  labelsOf: (object: T) => Readonly<Record<string, string>> | null | undefined,
  stack: string,
): T[] {
  return objects.filter((object) => stackOf(labelsOf(object)) === stack);
}

/** Everything of a swarm a stack may hold, as Docker lists it. */
export interface StackMembers {
  services: DockerService[];
  networks: DockerNetwork[];
  secrets: DockerSecret[];
  configs: DockerConfig[];
}

/** Networks keep their labels at the top; services, secrets and configs in their spec. */
const networkLabels = (network: DockerNetwork) => network.Labels;
const specLabels = (object: { Spec: { Labels?: Record<string, string> } }) => object.Spec.Labels;

/** The members of one stack among the swarm's objects. */
export function membersOf(objects: StackMembers, stack: string): StackMembers {
  return {
    services: ofStack(objects.services, specLabels, stack),
    networks: ofStack(objects.networks, networkLabels, stack),
    secrets: ofStack(objects.secrets, specLabels, stack),
    configs: ofStack(objects.configs, specLabels, stack),
  };
}

/**
 * The names of every stack with at least one object, sorted. `docker stack ls` counts services only; a stack whose
 * services are gone but whose networks are not (a removal that timed out) is listed too, so that it can be removed.
 */
export function stackNamesIn(objects: StackMembers): string[] {
  const names = new Set<string>();
  const add = (labels: Readonly<Record<string, string>> | null | undefined) => {
    const name = stackOf(labels);
    if (name) names.add(name);
  };
  objects.services.forEach((service) => add(specLabels(service)));
  objects.networks.forEach((network) => add(networkLabels(network)));
  objects.secrets.forEach((secret) => add(specLabels(secret)));
  objects.configs.forEach((config) => add(specLabels(config)));
  return [...names].sort((a, b) => a.localeCompare(b));
}

export const memberCount = (members: StackMembers): number =>
  members.services.length + members.networks.length + members.secrets.length + members.configs.length;

/** The members of `stack`, from the lists a manager gives now (for a job: never the gateway's swarm state). */
export async function listStackMembers(caller: DockerCaller, stack: string): Promise<StackMembers> {
  const [services, networks, secrets, configs] = await Promise.all([
    listServices(caller),
    listNetworks(caller),
    listSecrets(caller),
    listConfigs(caller),
  ]);
  return membersOf({ services, networks, secrets, configs }, stack);
}
