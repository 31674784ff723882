// The swarm's networks, secrets and configs as both doors show them, tenant-scoped like every swarm read (the swarm
// was found in the caller's tenant first). A ref is an ID, a unique ID prefix or a name, as for services. A secret's
// value is never read (Docker does not send it), and a config's data, which Docker sends, is never shown.
import { listConfigs, listNetworks, listSecrets } from '../docker/reads.ts';
import type { DockerConfig, DockerNetwork, DockerSecret, DockerService } from '../docker/types.ts';
import {
  isSwarmNetwork,
  servicesUsingConfig,
  servicesUsingNetwork,
  servicesUsingSecret,
} from '../domain/swarm-objects.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { paginate, type Page } from './pagination.ts';
import { resolveRef, type SwarmReads } from './swarm-reads.ts';
import { labelsOf, type Label } from './views.ts';

/** A service that uses a network, secret or config. */
export interface ServiceRefView {
  id: string;
  name: string;
}

export interface SubnetView {
  subnet: string;
  gateway: string | null;
  ipRange: string | null;
}

export interface NetworkView {
  id: string;
  swarmId: string;
  name: string;
  driver: string;
  scope: string;
  attachable: boolean;
  internal: boolean;
  ingress: boolean;
  encrypted: boolean;
  labels: Label[];
  subnets: SubnetView[];
  createdAt: string;
  services: ServiceRefView[];
}

/** A secret or a config: what Docker says about it, never its value. */
export interface SwarmFileObjectView {
  id: string;
  swarmId: string;
  name: string;
  labels: Label[];
  version: number;
  createdAt: string;
  updatedAt: string;
  services: ServiceRefView[];
}

export type SecretView = SwarmFileObjectView;
export type ConfigView = SwarmFileObjectView;

export interface SwarmObjectFilter {
  /** Part of the name. */
  name?: string | null;
  /** `key` or `key=value`. */
  label?: string | null;
}

const refsOf = (services: readonly DockerService[]): ServiceRefView[] =>
  services
    .map((service) => ({ id: service.ID, name: service.Spec.Name }))
    .sort((a, b) => a.name.localeCompare(b.name));

export function toNetworkView(swarmId: string, network: DockerNetwork, services: readonly DockerService[]) {
  return {
    id: network.Id,
    swarmId,
    name: network.Name,
    driver: network.Driver,
    scope: network.Scope,
    attachable: network.Attachable ?? false,
    internal: network.Internal ?? false,
    ingress: network.Ingress ?? false,
    encrypted: network.Options?.encrypted !== undefined,
    labels: labelsOf(network.Labels ?? undefined),
    subnets: (network.IPAM?.Config ?? []).map((pool) => ({
      subnet: pool.Subnet ?? '',
      gateway: pool.Gateway || null,
      ipRange: pool.IPRange || null,
    })),
    createdAt: network.Created,
    services: refsOf(servicesUsingNetwork(services, network)),
  } satisfies NetworkView;
}

function toFileObjectView(
  swarmId: string,
  object: DockerSecret | DockerConfig,
  users: readonly DockerService[],
): SwarmFileObjectView {
  // Only these fields: a config's Spec.Data must never reach an answer.
  return {
    id: object.ID,
    swarmId,
    name: object.Spec.Name,
    labels: labelsOf(object.Spec.Labels),
    version: object.Version.Index,
    createdAt: object.CreatedAt,
    updatedAt: object.UpdatedAt,
    services: refsOf(users),
  };
}

const labelMatches = (labels: Label[], filter: string) => {
  const [key, ...rest] = filter.split('=');
  const value = rest.length > 0 ? rest.join('=') : undefined;
  return labels.some((label) => label.key === key && (value === undefined || label.value === value));
};

function filtered<T extends { name: string; labels: Label[]; id: string }>(
  items: T[],
  filter: SwarmObjectFilter | null | undefined,
): T[] {
  return items
    .filter((item) => !filter?.name || item.name.includes(filter.name))
    .filter((item) => !filter?.label || labelMatches(item.labels, filter.label))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

// ---------------------------------------------------------------- raw reads (the operations resolve refs with them)

/**
 * The swarm's networks (scope `swarm`: overlays and the ingress network). A manager also lists its own engine's
 * bridge, host and none networks: those are not the swarm's, differ from engine to engine, and are left out.
 */
export async function swarmNetworks(reads: SwarmReads, swarm: SwarmRecord): Promise<DockerNetwork[]> {
  const client = await reads.clientFor(swarm);
  return (await listNetworks(client)).filter(isSwarmNetwork);
}

export async function swarmSecrets(reads: SwarmReads, swarm: SwarmRecord): Promise<DockerSecret[]> {
  return listSecrets(await reads.clientFor(swarm));
}

export async function swarmConfigs(reads: SwarmReads, swarm: SwarmRecord): Promise<DockerConfig[]> {
  return listConfigs(await reads.clientFor(swarm));
}

export async function findSwarmNetwork(
  reads: SwarmReads,
  swarm: SwarmRecord,
  ref: string,
): Promise<DockerNetwork> {
  const networks = await swarmNetworks(reads, swarm);
  return resolveRef(
    networks,
    ref,
    (network) => network.Id,
    (network) => network.Name,
    'network',
  );
}

export async function findSwarmSecret(
  reads: SwarmReads,
  swarm: SwarmRecord,
  ref: string,
): Promise<DockerSecret> {
  return resolveRef(
    await swarmSecrets(reads, swarm),
    ref,
    (secret) => secret.ID,
    (secret) => secret.Spec.Name,
    'secret',
  );
}

export async function findSwarmConfig(
  reads: SwarmReads,
  swarm: SwarmRecord,
  ref: string,
): Promise<DockerConfig> {
  return resolveRef(
    await swarmConfigs(reads, swarm),
    ref,
    (config) => config.ID,
    (config) => config.Spec.Name,
    'config',
  );
}

// ---------------------------------------------------------------- views

export async function networkPage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: SwarmObjectFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<NetworkView>> {
  const [networks, services] = await Promise.all([swarmNetworks(reads, swarm), reads.services(swarm)]);
  const views = networks.map((network) => toNetworkView(swarm.id, network, services));
  return paginate(filtered(views, filter), (view) => view.id, first ?? undefined, after);
}

export async function getNetwork(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<NetworkView> {
  const [network, services] = await Promise.all([findSwarmNetwork(reads, swarm, ref), reads.services(swarm)]);
  return toNetworkView(swarm.id, network, services);
}

export async function secretPage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: SwarmObjectFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<SecretView>> {
  const [secrets, services] = await Promise.all([swarmSecrets(reads, swarm), reads.services(swarm)]);
  const views = secrets.map((secret) =>
    toFileObjectView(swarm.id, secret, servicesUsingSecret(services, secret.ID)),
  );
  return paginate(filtered(views, filter), (view) => view.id, first ?? undefined, after);
}

export async function getSecret(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<SecretView> {
  const [secret, services] = await Promise.all([findSwarmSecret(reads, swarm, ref), reads.services(swarm)]);
  return toFileObjectView(swarm.id, secret, servicesUsingSecret(services, secret.ID));
}

export async function configPage(
  reads: SwarmReads,
  swarm: SwarmRecord,
  filter: SwarmObjectFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Page<ConfigView>> {
  const [configs, services] = await Promise.all([swarmConfigs(reads, swarm), reads.services(swarm)]);
  const views = configs.map((config) =>
    toFileObjectView(swarm.id, config, servicesUsingConfig(services, config.ID)),
  );
  return paginate(filtered(views, filter), (view) => view.id, first ?? undefined, after);
}

export async function getConfig(reads: SwarmReads, swarm: SwarmRecord, ref: string): Promise<ConfigView> {
  const [config, services] = await Promise.all([findSwarmConfig(reads, swarm, ref), reads.services(swarm)]);
  return toFileObjectView(swarm.id, config, servicesUsingConfig(services, config.ID));
}
