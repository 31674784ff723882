// The stacks of a swarm, as `docker stack ls` and `docker stack services` show them: every service, network, secret
// and config labelled com.docker.stack.namespace, grouped by that label, whoever deployed them (the gateway or the
// docker CLI). Tenant-scoped like every swarm read: the swarm was found in the caller's tenant first.
import { listConfigs, listNetworks, listSecrets } from '../docker/reads.ts';
import {
  membersOf,
  memberCount,
  stackNameOf,
  stackNamesIn,
  type StackMembers,
} from '../domain/stack-namespace.ts';
import { notFound } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { serviceViewsOf } from './swarm-queries.ts';
import type { SwarmReads } from './swarm-reads.ts';
import type { ServiceView } from './views.ts';

/** A network, secret or config of a stack: its Docker ID and name (never a secret's or config's data). */
export interface StackObjectView {
  id: string;
  name: string;
}

export interface StackView {
  name: string;
  swarmId: string;
  /** The stack's services by name, as the service reads show them (`docker stack services`). */
  services: ServiceView[];
  servicesCount: number;
  /** Sums over the services: tasks running now, and tasks wanted. */
  runningTasks: number;
  desiredTasks: number;
  networks: StackObjectView[];
  secrets: StackObjectView[];
  configs: StackObjectView[];
}

/** The swarm's stacks by name; a stack left with networks, secrets or configs only is one too. */
export async function stackViews(reads: SwarmReads, swarm: SwarmRecord): Promise<StackView[]> {
  const { members, services } = await readMembers(reads, swarm);
  return stackNamesIn(members).map((name) => stackView(swarm, name, membersOf(members, name), services));
}

/**
 * One stack by name; NOT_FOUND when no service, network, secret or config of the swarm carries it. A malformed name
 * is BAD_INPUT naming `field`, as the door calls it.
 */
export async function getStack(
  reads: SwarmReads,
  swarm: SwarmRecord,
  name: string,
  field = 'name',
): Promise<StackView> {
  const stack = stackNameOf(name, field);
  const { members, services } = await readMembers(reads, swarm);
  const own = membersOf(members, stack);
  if (memberCount(own) === 0) throw notFound('stack', stack);
  return stackView(swarm, stack, own, services);
}

/**
 * The swarm's objects: services (with their tasks' counts) through the request's reads (the gateway's swarm state
 * unless fresh), networks, secrets and configs from a manager now.
 */
async function readMembers(
  reads: SwarmReads,
  swarm: SwarmRecord,
): Promise<{ members: StackMembers; services: Map<string, ServiceView> }> {
  const client = await reads.clientFor(swarm);
  const [dockerServices, views, networks, secrets, configs] = await Promise.all([
    reads.services(swarm),
    serviceViewsOf(reads, swarm),
    listNetworks(client),
    listSecrets(client),
    listConfigs(client),
  ]);
  return {
    members: { services: dockerServices, networks, secrets, configs },
    services: new Map(views.map((view) => [view.id, view])),
  };
}

function stackView(
  swarm: SwarmRecord,
  name: string,
  members: StackMembers,
  views: ReadonlyMap<string, ServiceView>,
): StackView {
  const services = members.services
    .flatMap((service) => views.get(service.ID) ?? [])
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    name,
    swarmId: swarm.id,
    services,
    servicesCount: services.length,
    runningTasks: services.reduce((sum, service) => sum + service.runningTasks, 0),
    desiredTasks: services.reduce((sum, service) => sum + service.desiredTasks, 0),
    networks: objectViews(members.networks.map((network) => ({ id: network.Id, name: network.Name }))),
    secrets: objectViews(members.secrets.map((secret) => ({ id: secret.ID, name: secret.Spec.Name }))),
    configs: objectViews(members.configs.map((config) => ({ id: config.ID, name: config.Spec.Name }))),
  };
}

const objectViews = (objects: StackObjectView[]) => objects.sort((a, b) => a.name.localeCompare(b.name));
