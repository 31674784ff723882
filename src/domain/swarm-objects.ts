// Rules for the swarm's networks, secrets and configs that both the operations (before queuing) and the job
// processors (on the swarm as it is when they run) apply: names, labels, subnets, values and their limits, which
// services use an object, and how a job recognises the object it created itself.
import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { DockerNetwork, DockerService } from '../docker/types.ts';
import { badInput, conflict } from '../errors.ts';
import type { LabelInput, ServiceMutationMeta } from './service-spec.ts';

type Maybe<T> = T | null | undefined;

/** swarmkit's limits (manager/controlapi: MaxSecretSize, MaxConfigSize), checked before anything is queued. */
export const MAX_SECRET_BYTES = 500 * 1024;
export const MAX_CONFIG_BYTES = 1000 * 1024;

/**
 * The label a job puts on what it creates: a job resumed after a crash knows its own object from one of the same
 * name that someone else made (CONFLICT).
 */
export const JOB_LABEL = 'com.swarmgate.job';

/** The names swarmkit accepts for networks, secrets and configs (the docker CLI's rule, 64 characters at most). */
const OBJECT_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;
const MAX_OBJECT_NAME = 64;
/** Label keys Docker reserves for itself; a tenant may read them, never set them. */
const RESERVED_LABEL_PREFIXES = ['com.docker.', 'io.docker.', 'org.dockerproject.', JOB_LABEL];
const MAX_SUBNETS = 16;

export type ValueEncoding = 'TEXT' | 'BASE64';

export interface CreateNetworkInput extends ServiceMutationMeta {
  name: string;
  driver?: Maybe<string>;
  attachable?: Maybe<boolean>;
  internal?: Maybe<boolean>;
  encrypted?: Maybe<boolean>;
  labels?: Maybe<LabelInput[]>;
  subnets?: Maybe<{ subnet: string; gateway?: Maybe<string>; ipRange?: Maybe<string> }[]>;
}

export interface RemoveNetworkInput extends ServiceMutationMeta {
  network: string;
}

export interface CreateSecretInput extends ServiceMutationMeta {
  name: string;
  /** Write-only: it reaches the sealed job input and the engine, nothing else. */
  value: string;
  encoding?: Maybe<ValueEncoding>;
  labels?: Maybe<LabelInput[]>;
}

export type CreateConfigInput = CreateSecretInput;

export interface RemoveSecretInput extends ServiceMutationMeta {
  secret: string;
}

export interface RemoveConfigInput extends ServiceMutationMeta {
  config: string;
}

export interface RotateSecretInput extends ServiceMutationMeta {
  secret: string;
  value: string;
  encoding?: Maybe<ValueEncoding>;
  newName?: Maybe<string>;
}

// ---------------------------------------------------------------- job inputs (stored sealed)

export interface SubnetSpec {
  subnet: string;
  gateway: string | null;
  ipRange: string | null;
}

export type NetworkCreateJobInput = {
  name: string;
  driver: 'overlay';
  attachable: boolean;
  internal: boolean;
  encrypted: boolean;
  labels: Record<string, string>;
  subnets: SubnetSpec[];
};

/**
 * A secret's value as the job keeps it: `secretData` (base64) is a field src/audit/redact.ts removes from
 * `parameters` and the audit; its size is all they keep of it (a hash of a short secret would let whoever reads the
 * audit test guesses offline).
 */
export type SecretCreateJobInput = {
  name: string;
  labels: Record<string, string>;
  secretData: string;
  size: number;
};

/** A config's data likewise (not secret, but never shown: `configData` is redacted too). */
export type ConfigCreateJobInput = {
  name: string;
  labels: Record<string, string>;
  configData: string;
  size: number;
  sha256: string;
};

/** The reference as given (the object itself is resolved by the operation into the job's target). */
export type ObjectRefJobInput = { ref: string };

export type SecretRotateJobInput = {
  ref: string;
  newName: string | null;
  secretData: string;
  size: number;
};

// ---------------------------------------------------------------- field checks

export function objectName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !OBJECT_NAME.test(value) || value.length > MAX_OBJECT_NAME) {
    throw badInput(
      `${field} must be 1-${MAX_OBJECT_NAME} letters, digits, "-", "_" or ".", starting and ending with a ` +
        'letter or digit',
    );
  }
  return value;
}

export function objectLabels(value: Maybe<LabelInput[]>): Record<string, string> {
  if (value == null) return {};
  if (!Array.isArray(value)) throw badInput('labels must be a list of { key, value }');
  const labels: Record<string, string> = {};
  for (const label of value) {
    const key = typeof label?.key === 'string' ? label.key.trim() : '';
    if (!key) throw badInput('a label key must not be empty');
    if (key in labels) throw badInput(`label "${key}" is given twice`);
    if (RESERVED_LABEL_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw badInput(`label "${key}" is reserved (keys starting with ${RESERVED_LABEL_PREFIXES.join(', ')})`);
    }
    labels[key] = typeof label.value === 'string' ? label.value : '';
  }
  return labels;
}

/** The value's bytes: text as UTF-8, or base64 checked strictly (Node's decoder skips what it cannot read). */
function valueBytes(value: unknown, encoding: Maybe<ValueEncoding>, field: string): Buffer {
  if (typeof value !== 'string') throw badInput(`${field} must be a string`);
  if (encoding === 'BASE64') {
    const compact = value.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      // Never the value itself: it is a secret.
      throw badInput(`${field} is not valid base64 (encoding BASE64)`);
    }
    return Buffer.from(compact, 'base64');
  }
  return Buffer.from(value, 'utf8');
}

/** A value's bytes within `max`, as base64 with its size and SHA-256 (a config's parameters keep both; a secret's only the size). */
export function sealedValue(
  value: unknown,
  encoding: Maybe<ValueEncoding>,
  max: number,
  field = 'value',
): { data: string; size: number; sha256: string } {
  const bytes = valueBytes(value, encoding, field);
  if (bytes.length === 0) throw badInput(`${field} must not be empty`);
  if (bytes.length > max) {
    throw badInput(
      `${field} is ${bytes.length} bytes; Docker takes at most ${max} bytes (${max / 1024} KiB)`,
    );
  }
  return {
    data: bytes.toString('base64'),
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

// ---------------------------------------------------------------- subnets

interface Cidr {
  text: string;
  family: 'ipv4' | 'ipv6';
  network: string;
  prefix: number;
}

/** An address as a number (IPv4: 32 bits, IPv6: 128 bits), for the network-address check. */
function addressValue(address: string, family: 'ipv4' | 'ipv6'): bigint {
  if (family === 'ipv4') {
    return address.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n);
  }
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const groups = (part: string) => (part ? part.split(':') : []);
  let parts = groups(head);
  if (tail !== undefined) {
    const rest = groups(tail);
    parts = [...parts, ...Array<string>(8 - parts.length - rest.length).fill('0'), ...rest];
  }
  return parts.reduce((sum, part) => (sum << 16n) | BigInt(parseInt(part, 16)), 0n);
}

function parseCidr(value: unknown, field: string): Cidr {
  const text = typeof value === 'string' ? value.trim() : '';
  const [network = '', bits, ...rest] = text.split('/');
  const version = isIP(network);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const width = version === 4 ? 32 : 128;
  // IPv6 with an embedded IPv4 part (::ffff:1.2.3.4) or a zone (%eth0) is left out: subnets are not written so.
  if (
    version === 0 ||
    bits === undefined ||
    rest.length > 0 ||
    !/^\d{1,3}$/.test(bits) ||
    network.includes('.') !== (version === 4) ||
    network.includes('%')
  ) {
    throw badInput(`${field} must be a CIDR such as 10.20.0.0/24 or fd00:20::/64`);
  }
  const prefix = Number(bits);
  if (prefix < (version === 4 ? 8 : 16) || prefix > width - 2) {
    throw badInput(`${field}: the prefix length must be from ${version === 4 ? 8 : 16} to ${width - 2}`);
  }
  const hostBits = BigInt(width - prefix);
  const host = addressValue(network, family) & ((1n << hostBits) - 1n);
  if (host !== 0n) throw badInput(`${field}: "${text}" has host bits set; write the network address`);
  return { text: `${network}/${prefix}`, family, network, prefix };
}

function contains(outer: Cidr, address: string, family: 'ipv4' | 'ipv6'): boolean {
  if (outer.family !== family) return false;
  const list = new BlockList();
  list.addSubnet(outer.network, outer.prefix, outer.family);
  return list.check(address, family);
}

/**
 * The IPAM pools of a new network: each subnet a network address, its gateway an address inside it, its ipRange a
 * CIDR inside it, and no two subnets overlapping (Docker would refuse them later, in its own words).
 */
export function subnetList(value: CreateNetworkInput['subnets']): SubnetSpec[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw badInput('subnets must be a list of { subnet, gateway, ipRange }');
  if (value.length > MAX_SUBNETS) throw badInput(`at most ${MAX_SUBNETS} subnets`);
  const parsed: Cidr[] = [];
  return value.map((entry, index) => {
    const at = `subnets[${index}]`;
    const subnet = parseCidr(entry?.subnet, `${at}.subnet`);
    for (const [other, earlier] of parsed.entries()) {
      if (
        contains(earlier, subnet.network, subnet.family) ||
        contains(subnet, earlier.network, earlier.family)
      ) {
        throw badInput(`${at}.subnet ${subnet.text} overlaps subnets[${other}].subnet ${earlier.text}`);
      }
    }
    parsed.push(subnet);
    let gateway: string | null = null;
    if (entry.gateway != null) {
      gateway = String(entry.gateway).trim();
      const version = isIP(gateway);
      if (version === 0 || gateway.includes('%')) throw badInput(`${at}.gateway must be an IP address`);
      if (!contains(subnet, gateway, version === 4 ? 'ipv4' : 'ipv6')) {
        throw badInput(`${at}.gateway ${gateway} is not inside ${subnet.text}`);
      }
    }
    let ipRange: string | null = null;
    if (entry.ipRange != null) {
      const range = parseCidr(entry.ipRange, `${at}.ipRange`);
      if (!contains(subnet, range.network, range.family) || range.prefix < subnet.prefix) {
        throw badInput(`${at}.ipRange ${range.text} is not inside ${subnet.text}`);
      }
      ipRange = range.text;
    }
    return { subnet: subnet.text, gateway, ipRange };
  });
}

// ---------------------------------------------------------------- inputs as jobs keep them

export function networkCreateJobInput(input: CreateNetworkInput): NetworkCreateJobInput {
  if (input.driver != null && input.driver !== 'overlay') {
    throw badInput(
      'driver must be "overlay": the swarm makes overlay networks only (engine-local drivers are not swarm objects)',
    );
  }
  return {
    name: objectName(input.name),
    driver: 'overlay',
    attachable: input.attachable ?? false,
    internal: input.internal ?? false,
    encrypted: input.encrypted ?? false,
    labels: objectLabels(input.labels),
    subnets: subnetList(input.subnets),
  };
}

export function secretCreateJobInput(input: CreateSecretInput): SecretCreateJobInput {
  const name = objectName(input.name);
  const labels = objectLabels(input.labels);
  const { data, size } = sealedValue(input.value, input.encoding, MAX_SECRET_BYTES);
  return { name, labels, secretData: data, size };
}

export function configCreateJobInput(input: CreateConfigInput): ConfigCreateJobInput {
  const name = objectName(input.name);
  const labels = objectLabels(input.labels);
  const { data, size, sha256 } = sealedValue(input.value, input.encoding, MAX_CONFIG_BYTES);
  return { name, labels, configData: data, size, sha256 };
}

export function secretRotateJobInput(input: RotateSecretInput): SecretRotateJobInput {
  const ref = refOf(input.secret, 'secret');
  const newName = input.newName == null ? null : objectName(input.newName, 'newName');
  const { data, size } = sealedValue(input.value, input.encoding, MAX_SECRET_BYTES);
  return { ref, newName, secretData: data, size };
}

export function refOf(value: unknown, field: string): string {
  const ref = typeof value === 'string' ? value.trim() : '';
  if (!ref) throw badInput(`${field} must name a ${field} (ID, unique ID prefix or name)`);
  return ref;
}

/**
 * The rotated secret's name when the caller gives none: a trailing version `-vN` counts up (`db-password-v2` →
 * `db-password-v3`); a name without one gets `-v2`. Shortened at the front of the suffix to stay within 64.
 */
export function nextSecretName(name: string): string {
  const match = /^(.*)-v(\d+)$/.exec(name);
  const base = match ? match[1]! : name;
  const suffix = `-v${match ? Number(match[2]) + 1 : 2}`;
  const trimmed = base.slice(0, MAX_OBJECT_NAME - suffix.length).replace(/[-_.]+$/, '');
  return `${trimmed}${suffix}`;
}

// ---------------------------------------------------------------- who uses what

/** A network the gateway lists: the swarm's own (scope swarm: overlays, the ingress network). */
export function isSwarmNetwork(network: DockerNetwork): boolean {
  return network.Scope === 'swarm';
}

/** The services attached to the network (their task template's networks, or the service's own older field). */
export function servicesUsingNetwork(
  services: readonly DockerService[],
  network: DockerNetwork,
): DockerService[] {
  return services.filter((service) => {
    const attached = [...(service.Spec.TaskTemplate.Networks ?? []), ...(service.Spec.Networks ?? [])];
    if (attached.some((entry) => entry.Target === network.Id || entry.Target === network.Name)) return true;
    // A service publishing ports in ingress mode sits on the ingress network.
    return (
      network.Ingress === true && (service.Endpoint?.Ports ?? []).some((port) => port.PublishMode !== 'host')
    );
  });
}

export function servicesUsingSecret(services: readonly DockerService[], secretId: string): DockerService[] {
  return services.filter((service) =>
    (service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []).some((ref) => ref.SecretID === secretId),
  );
}

export function servicesUsingConfig(services: readonly DockerService[], configId: string): DockerService[] {
  return services.filter((service) =>
    (service.Spec.TaskTemplate.ContainerSpec?.Configs ?? []).some((ref) => ref.ConfigID === configId),
  );
}

/** CONFLICT naming the services (of this swarm) that still use the object. */
export function inUseConflict(kind: string, name: string, users: readonly DockerService[]): Error {
  const names = users.map((service) => service.Spec.Name).sort();
  return conflict(
    `${kind} "${name}" is in use by ${names.length === 1 ? 'service' : 'services'} ${names.map((n) => `"${n}"`).join(', ')}; ` +
      `remove it from ${names.length === 1 ? 'that service' : 'those services'} first`,
    { services: names },
  );
}

/** CONFLICT for a name taken by an object this job did not create. */
export function nameTakenByOther(kind: string, name: string): Error {
  return conflict(`a ${kind} named "${name}" exists already; choose another name or remove it first`, {
    name,
  });
}

/** True when the object carries this job's label: this job created it (before a crash, or an answer lost). */
export function createdByJob(labels: Maybe<Record<string, string>>, jobId: string): boolean {
  return labels?.[JOB_LABEL] === jobId;
}
