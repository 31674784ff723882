// The read queries both doors share: swarm status, filtered and paginated node, service and task lists.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import { infoOfEachEndpoint } from '../docker/reads.ts';
import { badInput } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { networkNamesOf } from './network-names.ts';
import { paginate, type Page } from './pagination.ts';
import type { SwarmReads } from './swarm-reads.ts';
import {
  toNodeView,
  toServiceView,
  toTaskView,
  type NodeView,
  type ServiceView,
  type TaskView,
} from './views.ts';

export interface SwarmStatusView {
  state: 'OK' | 'DEGRADED' | 'UNREACHABLE';
  message: string | null;
  errorCode: 'SWARM_UNREACHABLE' | null;
  endpoints: { url: string; up: boolean; error: string | null }[];
  checkedAt: string;
}

/** Asks every endpoint: up means it answers as a manager of the registered cluster. */
export async function swarmStatus(reads: SwarmReads, swarm: SwarmRecord): Promise<SwarmStatusView> {
  const client = await reads.clientFor(swarm);
  const answers = await infoOfEachEndpoint(client);
  const endpoints = answers.map((answer) => {
    if (!answer.value) return { url: answer.url, up: false, error: answer.error ?? 'no answer' };
    const info = answer.value.Swarm;
    if (!info.ControlAvailable) {
      return {
        url: answer.url,
        up: false,
        error: `not a swarm manager (state ${info.LocalNodeState || 'inactive'})`,
      };
    }
    if (swarm.clusterId && info.Cluster?.ID !== swarm.clusterId) {
      return { url: answer.url, up: false, error: 'answers for another cluster than the one registered' };
    }
    return { url: answer.url, up: true, error: null };
  });
  const down = endpoints.filter((endpoint) => !endpoint.up);
  const state = down.length === 0 ? 'OK' : down.length === endpoints.length ? 'UNREACHABLE' : 'DEGRADED';
  return {
    state,
    message:
      state === 'OK'
        ? null
        : `${state === 'UNREACHABLE' ? `swarm "${swarm.name}" is unreachable: ` : ''}` +
          down.map((endpoint) => `${endpoint.url} is down (${endpoint.error})`).join('; '),
    errorCode: state === 'UNREACHABLE' ? 'SWARM_UNREACHABLE' : null,
    endpoints,
    checkedAt: new Date().toISOString(),
  };
}

const labelMatches = (labels: { key: string; value: string }[], filter: string) => {
  const [key, ...rest] = filter.split('=');
  const value = rest.length > 0 ? rest.join('=') : undefined;
  return labels.some((label) => label.key === key && (value === undefined || label.value === value));
};

export interface NodeFilter {
  role?: NodeView['role'] | null;
  availability?: NodeView['availability'] | null;
  state?: NodeView['state'] | null;
  label?: string | null;
}

export async function nodeViews(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: NodeFilter = {},
): Promise<NodeView[]> {
  const nodes = (await reads.nodes(swarm)).map((node) => toNodeView(swarm.id, node));
  return nodes
    .filter((node) => !filter.role || node.role === filter.role)
    .filter((node) => !filter.availability || node.availability === filter.availability)
    .filter((node) => !filter.state || node.state === filter.state)
    .filter((node) => !filter.label || labelMatches(node.labels, filter.label))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

/** A page of the swarm's nodes as the API shows them, filtered and sorted by hostname. */
export async function nodePage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: NodeFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<NodeView>> {
  return paginate(await nodeViews(reads, swarm, filter ?? {}), (node) => node.id, first ?? undefined, after);
}

export async function getNode(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<NodeView> {
  return toNodeView(swarm.id, await reads.node(swarm, ref));
}

export interface ServiceFilter {
  name?: string | null;
  mode?: ServiceView['mode'] | null;
  label?: string | null;
}

/** Every service of the swarm as the API shows it, with task counts (also grouped by stack: stack-queries.ts). */
export async function serviceViewsOf(reads: SwarmReads, swarm: SwarmRecord): Promise<ServiceView[]> {
  const [services, tasks] = await Promise.all([reads.services(swarm), reads.tasks(swarm)]);
  const byService = new Map<string, (typeof tasks)[number][]>();
  for (const task of tasks) {
    const group = byService.get(task.ServiceID);
    if (group) group.push(task);
    else byService.set(task.ServiceID, [task]);
  }
  const networkName = await networkNamesOf(reads, swarm, services);
  return services.map((service) =>
    toServiceView(swarm.id, service, byService.get(service.ID) ?? [], networkName),
  );
}

/** A page of the swarm's services as the API shows them, filtered and sorted by name. */
export async function servicePage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: ServiceFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<ServiceView>> {
  const services = (await serviceViewsOf(reads, swarm))
    .filter((service) => !filter?.name || service.name.includes(filter.name))
    .filter((service) => !filter?.mode || service.mode === filter.mode)
    .filter((service) => !filter?.label || labelMatches(service.labels, filter.label))
    .sort((a, b) => a.name.localeCompare(b.name));
  return paginate(services, (service) => service.id, first ?? undefined, after);
}

export async function getService(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<ServiceView> {
  const service = await reads.service(swarm, ref);
  const tasks = (await reads.tasks(swarm)).filter((task) => task.ServiceID === service.ID);
  return toServiceView(swarm.id, service, tasks, await networkNamesOf(reads, swarm, [service]));
}

export interface TaskFilter {
  service?: string | null;
  node?: string | null;
  desiredState?: string | null;
}

export async function taskViews(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: TaskFilter = {},
): Promise<TaskView[]> {
  const [tasks, serviceId, nodeId] = await Promise.all([
    reads.tasks(swarm),
    filter.service ? reads.service(swarm, filter.service).then((service) => service.ID) : undefined,
    filter.node ? reads.node(swarm, filter.node).then((node) => node.ID) : undefined,
  ]);
  const desired = filter.desiredState?.toLowerCase();
  if (desired !== undefined && !/^[a-z_]+$/.test(desired))
    throw badInput('desiredState must be a task state name');
  return tasks
    .filter((task) => serviceId === undefined || task.ServiceID === serviceId)
    .filter((task) => nodeId === undefined || task.NodeID === nodeId)
    .filter((task) => desired === undefined || task.DesiredState === desired)
    .map((task) => toTaskView(swarm.id, task))
    .sort(
      (a, b) =>
        a.serviceId.localeCompare(b.serviceId) ||
        (a.slot ?? 0) - (b.slot ?? 0) ||
        b.createdAt.localeCompare(a.createdAt) ||
        a.id.localeCompare(b.id),
    );
}

/** A page of the swarm's tasks as the API shows them, filtered and sorted by service and slot. */
export async function taskPage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: TaskFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<TaskView>> {
  return paginate(await taskViews(reads, swarm, filter ?? {}), (task) => task.id, first ?? undefined, after);
}

export interface JoinTokensView {
  worker: string;
  manager: string;
  managerAddresses: string[];
}

/** The join tokens and the managers' addresses; admin only (checked after the swarm was found in the tenant). */
export async function joinTokens(reads: SwarmReads, swarm: SwarmRecord): Promise<JoinTokensView> {
  requireRole(reads.principal, 'admin', 'read join tokens');
  const [inspected, nodes] = await Promise.all([reads.inspect(swarm), reads.nodes(swarm)]);
  return {
    worker: inspected.JoinTokens?.Worker ?? '',
    manager: inspected.JoinTokens?.Manager ?? '',
    managerAddresses: nodes.flatMap((node) => (node.ManagerStatus?.Addr ? [node.ManagerStatus.Addr] : [])),
  };
}

export interface MeView {
  sub: string;
  tenant: string;
  /** GraphQL's Role enum spelling (platform-admin → PLATFORM_ADMIN), the same in both doors. */
  roles: ('VIEWER' | 'OPERATOR' | 'ADMIN' | 'PLATFORM_ADMIN')[];
  actors: string[];
}

export function meOf(principal: Principal): MeView {
  return {
    sub: principal.sub,
    tenant: principal.tenant,
    roles: principal.roles.map((role) => role.toUpperCase().replace('-', '_') as MeView['roles'][number]),
    actors: [...principal.actors],
  };
}
