// The service fields beyond image, env and replicas (issue 13): networks, mounts, secrets, configs, resources,
// restart policy, health check, placement, endpoint mode and the container's settings. One table of fields serves
// both create (applied to an empty spec) and update (applied to the service's spec: a field given replaces its part,
// every other part stays as it is); one view turns a spec back into the same fields, so that a read, edited and
// sent back, means the same.
import type {
  DockerConfigReference,
  DockerContainerSpec,
  DockerFileTarget,
  DockerHealthcheck,
  DockerMount,
  DockerNetworkAttachment,
  DockerPlacement,
  DockerPrivileges,
  DockerResources,
  DockerRestartPolicy,
  DockerSecretReference,
  DockerServiceSpec,
} from '../docker/types.ts';
import { badInput } from '../errors.ts';
import {
  boolean,
  integer,
  labelList,
  labelMap,
  matching,
  objectOf,
  seconds,
  strings,
  type LabelInput,
} from './spec-checks.ts';
import { normaliseCapability, normaliseHostPath } from './swarm-policy.ts';

type Maybe<T> = T | null | undefined;

// ---------------------------------------------------------------- the input (and read) shapes

export interface NetworkAttachmentInput {
  /** Network name or ID. */
  target: string;
  aliases?: Maybe<string[]>;
}

export interface VolumeOptionsInput {
  noCopy?: Maybe<boolean>;
  labels?: Maybe<LabelInput[]>;
  driver?: Maybe<{ name: string; options?: Maybe<LabelInput[]> }>;
}

export interface MountInput {
  type: 'VOLUME' | 'TMPFS' | 'BIND';
  /** A volume's name (none: an anonymous volume) or a bind's host path; none for tmpfs. */
  source?: Maybe<string>;
  target: string;
  readOnly?: Maybe<boolean>;
  volumeOptions?: Maybe<VolumeOptionsInput>;
  tmpfsOptions?: Maybe<{ sizeBytes?: Maybe<number>; mode?: Maybe<number> }>;
}

interface FileReferenceInput {
  /** The file's name under /run/secrets (secrets) or its path (configs); default: the secret's or config's name. */
  target?: Maybe<string>;
  uid?: Maybe<string>;
  gid?: Maybe<string>;
  /** File mode as a number (292 = 0444, the default). */
  mode?: Maybe<number>;
}

export interface SecretReferenceInput extends FileReferenceInput {
  /** Secret name or ID. */
  secret: string;
}

export interface ConfigReferenceInput extends FileReferenceInput {
  /** Config name or ID. */
  config: string;
}

export interface ResourcesInput {
  limits?: Maybe<{ cpus?: Maybe<number>; memoryBytes?: Maybe<number>; pids?: Maybe<number> }>;
  reservations?: Maybe<{ cpus?: Maybe<number>; memoryBytes?: Maybe<number> }>;
}

export interface RestartPolicyInput {
  condition?: Maybe<'NONE' | 'ON_FAILURE' | 'ANY'>;
  delaySeconds?: Maybe<number>;
  maxAttempts?: Maybe<number>;
  windowSeconds?: Maybe<number>;
}

export interface HealthcheckInput {
  /** ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"] (disables the image's own check). */
  test?: Maybe<string[]>;
  intervalSeconds?: Maybe<number>;
  timeoutSeconds?: Maybe<number>;
  retries?: Maybe<number>;
  startPeriodSeconds?: Maybe<number>;
}

export interface PlacementPreferenceInput {
  /** A node label or attribute to spread tasks over, e.g. node.labels.zone. */
  spread: string;
}

export interface PrivilegesInput {
  credentialSpec?: Maybe<{ config?: Maybe<string>; file?: Maybe<string>; registry?: Maybe<string> }>;
  seLinuxContext?: Maybe<{
    disable?: Maybe<boolean>;
    user?: Maybe<string>;
    role?: Maybe<string>;
    type?: Maybe<string>;
    level?: Maybe<string>;
  }>;
}

/** The fields of this file, as createService and updateService take them (and a service's spec reads them). */
export interface ServiceSpecFieldsInput {
  networks?: Maybe<NetworkAttachmentInput[]>;
  mounts?: Maybe<MountInput[]>;
  secrets?: Maybe<SecretReferenceInput[]>;
  configs?: Maybe<ConfigReferenceInput[]>;
  resources?: Maybe<ResourcesInput>;
  restartPolicy?: Maybe<RestartPolicyInput>;
  healthcheck?: Maybe<HealthcheckInput>;
  placementPreferences?: Maybe<PlacementPreferenceInput[]>;
  maxReplicasPerNode?: Maybe<number>;
  endpointMode?: Maybe<'VIP' | 'DNSRR'>;
  hostname?: Maybe<string>;
  user?: Maybe<string>;
  workingDir?: Maybe<string>;
  stopSignal?: Maybe<string>;
  stopGracePeriodSeconds?: Maybe<number>;
  readOnly?: Maybe<boolean>;
  containerLabels?: Maybe<LabelInput[]>;
  capabilityAdd?: Maybe<string[]>;
  capabilityDrop?: Maybe<string[]>;
  privileges?: Maybe<PrivilegesInput>;
}

// ---------------------------------------------------------------- limits

const MAX_NETWORKS = 20;
const MAX_ALIASES = 20;
const MAX_MOUNTS = 50;
const MAX_FILES = 100;
const MAX_PATH = 1024;
const MAX_CPUS = 1024;
const MAX_BYTES = 2 ** 50;
const MIN_MEMORY_LIMIT = 6 * 1024 * 1024;
const MAX_PIDS = 4_194_304;
const DEFAULT_FILE_MODE = 0o444;
const HOSTNAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;
const USER = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*(?::[a-zA-Z0-9_.][a-zA-Z0-9_.-]*)?$/;
const SIGNAL = /^(?:(?:SIG)?[A-Z][A-Z0-9+-]*|[0-9]{1,2})$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ALIAS = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;
const FILE_NAME = /^[a-zA-Z0-9_.-]+$/;
const ID_NUMBER = /^[0-9]{1,10}$/;
const SPREAD =
  /^(?:node\.labels\.[a-zA-Z0-9_.-]+|engine\.labels\.[a-zA-Z0-9_.-]+|node\.(?:id|hostname|role|platform\.os|platform\.arch))$/;
const DRIVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/;

// ---------------------------------------------------------------- checks of one field

/** A path inside the container: absolute, normalised (`..` cannot climb out of it). */
function containerPath(value: unknown, field: string): string {
  const normal = typeof value === 'string' && value.length <= MAX_PATH ? normaliseHostPath(value) : null;
  if (normal === null) throw badInput(`${field} must be an absolute path of at most ${MAX_PATH} characters`);
  return normal;
}

function list<T>(value: unknown, field: string, max: number): T[] {
  if (!Array.isArray(value)) throw badInput(`${field} must be a list`);
  if (value.length > max) throw badInput(`${field} must have at most ${max} entries`);
  return value as T[];
}

function networkList(value: unknown): DockerNetworkAttachment[] {
  const seen = new Set<string>();
  return list<NetworkAttachmentInput>(value, 'networks', MAX_NETWORKS).map((entry, index) => {
    const at = `networks[${index}]`;
    objectOf(entry, at);
    const target = matching(entry.target, `${at}.target`, /^\S+$/, 128, 'a network name or ID');
    if (seen.has(target)) throw badInput(`${at}: network "${target}" is given twice`);
    seen.add(target);
    const out: DockerNetworkAttachment = { Target: target };
    if (entry.aliases != null) {
      out.Aliases = strings(entry.aliases, `${at}.aliases`, MAX_ALIASES).map((alias, i) =>
        matching(alias, `${at}.aliases[${i}]`, ALIAS, 253, 'a DNS name'),
      );
    }
    return out;
  });
}

function volumeOptions(value: unknown, at: string): NonNullable<DockerMount['VolumeOptions']> {
  const input = objectOf<VolumeOptionsInput>(value, at);
  const out: NonNullable<DockerMount['VolumeOptions']> = {};
  if (input.noCopy != null) out.NoCopy = boolean(input.noCopy, `${at}.noCopy`);
  if (input.labels != null) out.Labels = labelMap(input.labels, `${at}.labels`);
  if (input.driver != null) {
    const driver = objectOf<NonNullable<VolumeOptionsInput['driver']>>(input.driver, `${at}.driver`);
    out.DriverConfig = {
      Name: matching(
        driver.name,
        `${at}.driver.name`,
        DRIVER_NAME,
        255,
        'a volume driver name such as local',
      ),
    };
    if (driver.options != null) out.DriverConfig.Options = labelMap(driver.options, `${at}.driver.options`);
  }
  return out;
}

function tmpfsOptions(value: unknown, at: string): NonNullable<DockerMount['TmpfsOptions']> {
  const input = objectOf<NonNullable<MountInput['tmpfsOptions']>>(value, at);
  const out: NonNullable<DockerMount['TmpfsOptions']> = {};
  if (input.sizeBytes != null) out.SizeBytes = integer(input.sizeBytes, `${at}.sizeBytes`, 0, MAX_BYTES);
  if (input.mode != null) out.Mode = integer(input.mode, `${at}.mode`, 0, 0o7777);
  return out;
}

const MOUNT_TYPES = { VOLUME: 'volume', TMPFS: 'tmpfs', BIND: 'bind' } as const;

function mountOf(entry: MountInput, at: string): DockerMount {
  objectOf(entry, at);
  const type = MOUNT_TYPES[entry.type];
  if (!type) throw badInput(`${at}.type must be VOLUME, TMPFS or BIND`);
  const out: DockerMount = { Type: type, Target: containerPath(entry.target, `${at}.target`) };
  if (type === 'bind') {
    // Normalised here, so that what Docker is sent is what the swarm's policy was checked against.
    const source = typeof entry.source === 'string' ? normaliseHostPath(entry.source) : null;
    if (source === null || entry.source!.length > MAX_PATH) {
      throw badInput(`${at}.source must be the absolute host path to bind-mount`);
    }
    out.Source = source;
  } else if (type === 'volume') {
    if (entry.source != null && entry.source !== '') {
      out.Source = matching(entry.source, `${at}.source`, VOLUME_NAME, 255, 'a volume name');
    }
  } else if (entry.source != null && entry.source !== '') {
    throw badInput(`${at}.source is not taken by a TMPFS mount`);
  }
  if (entry.readOnly != null) out.ReadOnly = boolean(entry.readOnly, `${at}.readOnly`);
  if (entry.volumeOptions != null) {
    if (type !== 'volume') throw badInput(`${at}.volumeOptions is for VOLUME mounts only`);
    out.VolumeOptions = volumeOptions(entry.volumeOptions, `${at}.volumeOptions`);
  }
  if (entry.tmpfsOptions != null) {
    if (type !== 'tmpfs') throw badInput(`${at}.tmpfsOptions is for TMPFS mounts only`);
    out.TmpfsOptions = tmpfsOptions(entry.tmpfsOptions, `${at}.tmpfsOptions`);
  }
  return out;
}

function mountList(value: unknown): DockerMount[] {
  const targets = new Set<string>();
  return list<MountInput>(value, 'mounts', MAX_MOUNTS).map((entry, index) => {
    const mount = mountOf(entry, `mounts[${index}]`);
    if (targets.has(mount.Target)) throw badInput(`mounts[${index}]: target ${mount.Target} is given twice`);
    targets.add(mount.Target);
    return mount;
  });
}

/** The file a secret or config becomes; Name stays empty until the reference is resolved (its default). */
function fileTarget(entry: FileReferenceInput, at: string, kind: 'secret' | 'config'): DockerFileTarget {
  let name = '';
  if (entry.target != null && entry.target !== '') {
    // A secret is a file of /run/secrets (or an absolute path); a config is a file name or an absolute path.
    name = entry.target.startsWith('/')
      ? containerPath(entry.target, `${at}.target`)
      : matching(
          entry.target,
          `${at}.target`,
          FILE_NAME,
          255,
          `a file name or an absolute path for the ${kind}`,
        );
  }
  return {
    Name: name,
    UID: entry.uid == null ? '0' : matching(entry.uid, `${at}.uid`, ID_NUMBER, 10, 'a numeric user id'),
    GID: entry.gid == null ? '0' : matching(entry.gid, `${at}.gid`, ID_NUMBER, 10, 'a numeric group id'),
    Mode: entry.mode == null ? DEFAULT_FILE_MODE : integer(entry.mode, `${at}.mode`, 0, 0o777),
  };
}

function secretList(value: unknown): DockerSecretReference[] {
  return list<SecretReferenceInput>(value, 'secrets', MAX_FILES).map((entry, index) => {
    const at = `secrets[${index}]`;
    objectOf(entry, at);
    const ref = matching(entry.secret, `${at}.secret`, /^\S+$/, 128, 'a secret name or ID');
    // SecretID is filled when the reference is resolved (resolveServiceRefs), at request and at job time.
    return { SecretID: '', SecretName: ref, File: fileTarget(entry, at, 'secret') };
  });
}

function configList(value: unknown): DockerConfigReference[] {
  return list<ConfigReferenceInput>(value, 'configs', MAX_FILES).map((entry, index) => {
    const at = `configs[${index}]`;
    objectOf(entry, at);
    const ref = matching(entry.config, `${at}.config`, /^\S+$/, 128, 'a config name or ID');
    return { ConfigID: '', ConfigName: ref, File: fileTarget(entry, at, 'config') };
  });
}

function nanoCpus(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_CPUS) {
    throw badInput(`${field} must be a number of CPUs above 0 and at most ${MAX_CPUS}, e.g. 0.5`);
  }
  return Math.round(value * 1e9);
}

function resourcesOf(value: unknown): DockerResources {
  const input = objectOf<ResourcesInput>(value, 'resources');
  const out: DockerResources = {};
  if (input.limits != null) {
    const limits = objectOf<NonNullable<ResourcesInput['limits']>>(input.limits, 'resources.limits');
    out.Limits = {};
    if (limits.cpus != null) out.Limits.NanoCPUs = nanoCpus(limits.cpus, 'resources.limits.cpus');
    if (limits.memoryBytes != null) {
      out.Limits.MemoryBytes = integer(
        limits.memoryBytes,
        'resources.limits.memoryBytes',
        MIN_MEMORY_LIMIT,
        MAX_BYTES,
      );
    }
    if (limits.pids != null) out.Limits.Pids = integer(limits.pids, 'resources.limits.pids', 1, MAX_PIDS);
  }
  if (input.reservations != null) {
    const reservations = objectOf<NonNullable<ResourcesInput['reservations']>>(
      input.reservations,
      'resources.reservations',
    );
    out.Reservations = {};
    if (reservations.cpus != null) {
      out.Reservations.NanoCPUs = nanoCpus(reservations.cpus, 'resources.reservations.cpus');
    }
    if (reservations.memoryBytes != null) {
      out.Reservations.MemoryBytes = integer(
        reservations.memoryBytes,
        'resources.reservations.memoryBytes',
        0,
        MAX_BYTES,
      );
    }
  }
  return out;
}

const CONDITIONS = { NONE: 'none', ON_FAILURE: 'on-failure', ANY: 'any' } as const;

function restartPolicyOf(value: unknown): DockerRestartPolicy {
  const input = objectOf<RestartPolicyInput>(value, 'restartPolicy');
  const out: DockerRestartPolicy = {};
  if (input.condition != null) {
    const condition = CONDITIONS[input.condition];
    if (!condition) throw badInput('restartPolicy.condition must be NONE, ON_FAILURE or ANY');
    out.Condition = condition;
  }
  if (input.delaySeconds != null) out.Delay = seconds(input.delaySeconds, 'restartPolicy.delaySeconds');
  if (input.maxAttempts != null) {
    out.MaxAttempts = integer(input.maxAttempts, 'restartPolicy.maxAttempts', 0, 1000);
  }
  if (input.windowSeconds != null) out.Window = seconds(input.windowSeconds, 'restartPolicy.windowSeconds');
  return out;
}

/** At least a millisecond (Docker's minimum) or 0 (Docker's default). */
function probeSeconds(value: unknown, field: string): number {
  const ns = seconds(value, field);
  if (ns !== 0 && ns < 1e6) throw badInput(`${field} must be 0 (Docker's default) or at least 0.001`);
  return ns;
}

function healthcheckOf(value: unknown): DockerHealthcheck {
  const input = objectOf<HealthcheckInput>(value, 'healthcheck');
  const out: DockerHealthcheck = {};
  if (input.test != null) {
    const test = strings(input.test, 'healthcheck.test');
    const kind = test[0];
    if (kind === 'NONE' ? test.length !== 1 : !(kind === 'CMD' || kind === 'CMD-SHELL') || test.length < 2) {
      throw badInput(
        'healthcheck.test must be ["NONE"] (no check), ["CMD", program, args...] or ["CMD-SHELL", command]',
      );
    }
    out.Test = test;
  }
  if (input.intervalSeconds != null) {
    out.Interval = probeSeconds(input.intervalSeconds, 'healthcheck.intervalSeconds');
  }
  if (input.timeoutSeconds != null)
    out.Timeout = probeSeconds(input.timeoutSeconds, 'healthcheck.timeoutSeconds');
  if (input.retries != null) out.Retries = integer(input.retries, 'healthcheck.retries', 0, 100);
  if (input.startPeriodSeconds != null) {
    out.StartPeriod = probeSeconds(input.startPeriodSeconds, 'healthcheck.startPeriodSeconds');
  }
  return out;
}

function preferencesOf(value: unknown): NonNullable<DockerPlacement['Preferences']> {
  return list<PlacementPreferenceInput>(value, 'placementPreferences', 10).map((entry, index) => {
    const at = `placementPreferences[${index}]`;
    objectOf(entry, at);
    const spread = matching(
      entry.spread,
      `${at}.spread`,
      SPREAD,
      255,
      'a node attribute such as node.labels.zone',
    );
    return { Spread: { SpreadDescriptor: spread } };
  });
}

function capabilities(value: unknown, field: string): string[] {
  const names = strings(value, field, 64).map((name, index) => {
    const canonical = normaliseCapability(name);
    if (canonical === null) {
      throw badInput(`${field}[${index}] must be a Linux capability name such as NET_ADMIN or CAP_NET_RAW`);
    }
    return canonical;
  });
  return [...new Set(names)];
}

const optional = (value: Maybe<string>, field: string, pattern: RegExp, max: number, what: string) =>
  value == null || value === '' ? undefined : matching(value, field, pattern, max, what);

const WORD = /^[^\s\0]+$/;
const SELINUX_PART = /^[a-zA-Z0-9_.:,-]+$/;

/** A Windows credential spec: exactly one of a config, a file or a registry value. */
function credentialSpecOf(value: unknown): NonNullable<DockerPrivileges['CredentialSpec']> {
  const at = 'privileges.credentialSpec';
  const input = objectOf<NonNullable<PrivilegesInput['credentialSpec']>>(value, at);
  const out: NonNullable<DockerPrivileges['CredentialSpec']> = {};
  const config = optional(input.config, `${at}.config`, WORD, 255, 'a config name');
  const file = optional(input.file, `${at}.file`, WORD, 255, 'a file name');
  const registry = optional(input.registry, `${at}.registry`, WORD, 255, 'a registry value');
  if (config) out.Config = config;
  if (file) out.File = file;
  if (registry) out.Registry = registry;
  if (Object.keys(out).length !== 1) throw badInput(`${at} takes exactly one of config, file, registry`);
  return out;
}

const SELINUX_FIELDS = { user: 'User', role: 'Role', type: 'Type', level: 'Level' } as const;
type SELinuxField = keyof typeof SELINUX_FIELDS;
type SELinuxDockerField = (typeof SELINUX_FIELDS)[SELinuxField];

function seLinuxContextOf(value: unknown): NonNullable<DockerPrivileges['SELinuxContext']> {
  const at = 'privileges.seLinuxContext';
  const input = objectOf<NonNullable<PrivilegesInput['seLinuxContext']>>(value, at);
  const out: NonNullable<DockerPrivileges['SELinuxContext']> = {};
  if (input.disable != null) out.Disable = boolean(input.disable, `${at}.disable`);
  for (const [key, dockerKey] of Object.entries(SELINUX_FIELDS) as [SELinuxField, SELinuxDockerField][]) {
    const part = optional(input[key], `${at}.${key}`, SELINUX_PART, 255, 'an SELinux label part');
    if (part) out[dockerKey] = part;
  }
  return out;
}

function privilegesOf(value: unknown): DockerPrivileges {
  const input = objectOf<PrivilegesInput>(value, 'privileges');
  const out: DockerPrivileges = {};
  if (input.credentialSpec != null) out.CredentialSpec = credentialSpecOf(input.credentialSpec);
  if (input.seLinuxContext != null) out.SELinuxContext = seLinuxContextOf(input.seLinuxContext);
  return out;
}

// ---------------------------------------------------------------- applying fields to a spec

const containerOf = (spec: DockerServiceSpec): DockerContainerSpec =>
  (spec.TaskTemplate.ContainerSpec ??= {});
const placementOf = (spec: DockerServiceSpec): DockerPlacement => (spec.TaskTemplate.Placement ??= {});

/** Sets `key` of an object to `value`, or removes it when `value` is undefined (an empty string clears a field). */
function setOrClear<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/**
 * Each field of the input: how it is checked and written into a spec, replacing that part of it. An empty string
 * clears a string setting; an empty list clears a list.
 */
const FIELDS: { [K in keyof ServiceSpecFieldsInput]-?: (spec: DockerServiceSpec, value: unknown) => void } = {
  networks: (spec, value) => {
    spec.TaskTemplate.Networks = networkList(value);
    // The deprecated place of the networks: Docker refuses a spec that has both.
    delete spec.Networks;
  },
  mounts: (spec, value) => void (containerOf(spec).Mounts = mountList(value)),
  secrets: (spec, value) => void (containerOf(spec).Secrets = secretList(value)),
  configs: (spec, value) => void (containerOf(spec).Configs = configList(value)),
  resources: (spec, value) => void (spec.TaskTemplate.Resources = resourcesOf(value)),
  restartPolicy: (spec, value) => void (spec.TaskTemplate.RestartPolicy = restartPolicyOf(value)),
  healthcheck: (spec, value) => void (containerOf(spec).Healthcheck = healthcheckOf(value)),
  placementPreferences: (spec, value) => void (placementOf(spec).Preferences = preferencesOf(value)),
  maxReplicasPerNode: (spec, value) => {
    const max = integer(value, 'maxReplicasPerNode', 0, 1000);
    setOrClear(placementOf(spec), 'MaxReplicas', max === 0 ? undefined : max);
  },
  endpointMode: (spec, value) => {
    if (value !== 'VIP' && value !== 'DNSRR') throw badInput('endpointMode must be VIP or DNSRR');
    spec.EndpointSpec = { ...spec.EndpointSpec, Mode: value === 'VIP' ? 'vip' : 'dnsrr' };
  },
  hostname: (spec, value) =>
    setOrClear(
      containerOf(spec),
      'Hostname',
      optional(
        value as Maybe<string>,
        'hostname',
        HOSTNAME,
        253,
        'a host name (letters, digits, "-" and ".")',
      ),
    ),
  user: (spec, value) =>
    setOrClear(
      containerOf(spec),
      'User',
      optional(value as Maybe<string>, 'user', USER, 256, 'a user name or id, optionally :group'),
    ),
  workingDir: (spec, value) =>
    setOrClear(containerOf(spec), 'Dir', value === '' ? undefined : containerPath(value, 'workingDir')),
  stopSignal: (spec, value) =>
    setOrClear(
      containerOf(spec),
      'StopSignal',
      optional(value as Maybe<string>, 'stopSignal', SIGNAL, 32, 'a signal such as SIGTERM, SIGUSR1 or 15'),
    ),
  stopGracePeriodSeconds: (spec, value) =>
    void (containerOf(spec).StopGracePeriod = seconds(value, 'stopGracePeriodSeconds')),
  readOnly: (spec, value) =>
    setOrClear(containerOf(spec), 'ReadOnly', boolean(value, 'readOnly') || undefined),
  containerLabels: (spec, value) => void (containerOf(spec).Labels = labelMap(value, 'containerLabels')),
  capabilityAdd: (spec, value) =>
    void (containerOf(spec).CapabilityAdd = capabilities(value, 'capabilityAdd')),
  capabilityDrop: (spec, value) =>
    void (containerOf(spec).CapabilityDrop = capabilities(value, 'capabilityDrop')),
  privileges: (spec, value) => void (containerOf(spec).Privileges = privilegesOf(value)),
};

export const SPEC_FIELD_NAMES = Object.keys(FIELDS) as (keyof ServiceSpecFieldsInput)[];

/** Writes every field the input gives (not null) into `spec`, each replacing its part. Returns the names written. */
export function applySpecFields(spec: DockerServiceSpec, input: Record<string, unknown>): string[] {
  const given = SPEC_FIELD_NAMES.filter((name) => input[name] != null);
  for (const name of given) FIELDS[name](spec, input[name]);
  return given;
}

/** Rules across fields, checked on the spec as a whole (after an update too). */
export function checkSpecCoherence(spec: DockerServiceSpec): void {
  const mode = spec.EndpointSpec?.Mode ?? 'vip';
  const ingress = (spec.EndpointSpec?.Ports ?? []).some(
    (port) => (port.PublishMode ?? 'ingress') === 'ingress',
  );
  if (mode === 'dnsrr' && ingress) {
    throw badInput(
      'endpointMode DNSRR cannot publish ports in INGRESS mode: publish them in HOST mode, or use VIP',
    );
  }
  const container = spec.TaskTemplate.ContainerSpec ?? {};
  const files = new Set<string>();
  for (const secret of container.Secrets ?? []) {
    const name = secret.File?.Name || secret.SecretName;
    if (files.has(`s:${name}`)) throw badInput(`secrets: two secrets have the target "${name}"`);
    files.add(`s:${name}`);
  }
  for (const config of container.Configs ?? []) {
    const name = config.File?.Name || config.ConfigName;
    if (files.has(`c:${name}`)) throw badInput(`configs: two configs have the target "${name}"`);
    files.add(`c:${name}`);
  }
}

// ---------------------------------------------------------------- the same fields read back from a spec

const fromNs = (ns: number | undefined) => (ns === undefined ? undefined : ns / 1e9);
const orUndefined = <T>(value: T | null | undefined, keep = true): T | undefined =>
  value === null || value === undefined || !keep ? undefined : value;

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}

const CONDITION_NAMES = { none: 'NONE', 'on-failure': 'ON_FAILURE', any: 'ANY' } as const;
const MOUNT_TYPE_NAMES = { volume: 'VOLUME', tmpfs: 'TMPFS', bind: 'BIND' } as const;

function mountView(mount: DockerMount): MountInput {
  const type = MOUNT_TYPE_NAMES[mount.Type as keyof typeof MOUNT_TYPE_NAMES] ?? 'VOLUME';
  const volume = mount.VolumeOptions;
  const driver = volume?.DriverConfig;
  return withoutUndefined({
    type,
    source: orUndefined(mount.Source, mount.Source !== ''),
    target: mount.Target,
    readOnly: mount.ReadOnly ? true : undefined,
    volumeOptions:
      volume && (volume.NoCopy || volume.Labels || driver?.Name)
        ? withoutUndefined({
            noCopy: volume.NoCopy ? true : undefined,
            labels: volume.Labels ? labelList(volume.Labels) : undefined,
            driver: driver?.Name
              ? withoutUndefined({
                  name: driver.Name,
                  options: driver.Options ? labelList(driver.Options) : undefined,
                })
              : undefined,
          })
        : undefined,
    tmpfsOptions:
      mount.TmpfsOptions && (mount.TmpfsOptions.SizeBytes || mount.TmpfsOptions.Mode)
        ? withoutUndefined({
            sizeBytes: orUndefined(mount.TmpfsOptions.SizeBytes),
            mode: orUndefined(mount.TmpfsOptions.Mode),
          })
        : undefined,
  });
}

function fileView(file: DockerFileTarget | undefined): FileReferenceInput {
  return withoutUndefined({
    target: file?.Name || undefined,
    uid: file?.UID ?? undefined,
    gid: file?.GID ?? undefined,
    mode: file?.Mode ?? undefined,
  });
}

function privilegesView(privileges: DockerPrivileges | undefined): PrivilegesInput | undefined {
  const credential = privileges?.CredentialSpec;
  const context = privileges?.SELinuxContext;
  const view = withoutUndefined({
    credentialSpec:
      credential && (credential.Config || credential.File || credential.Registry)
        ? withoutUndefined({
            config: credential.Config || undefined,
            file: credential.File || undefined,
            registry: credential.Registry || undefined,
          })
        : undefined,
    seLinuxContext:
      context && (context.Disable || context.User || context.Role || context.Type || context.Level)
        ? withoutUndefined({
            disable: context.Disable ? true : undefined,
            user: context.User || undefined,
            role: context.Role || undefined,
            type: context.Type || undefined,
            level: context.Level || undefined,
          })
        : undefined,
  });
  return Object.keys(view).length ? view : undefined;
}

function resourcesView(resources: DockerResources | undefined): ResourcesInput | undefined {
  const limits = resources?.Limits;
  const reservations = resources?.Reservations;
  const view = withoutUndefined({
    limits:
      limits && (limits.NanoCPUs || limits.MemoryBytes || limits.Pids)
        ? withoutUndefined({
            cpus: limits.NanoCPUs ? limits.NanoCPUs / 1e9 : undefined,
            memoryBytes: limits.MemoryBytes || undefined,
            pids: limits.Pids || undefined,
          })
        : undefined,
    reservations:
      reservations && (reservations.NanoCPUs || reservations.MemoryBytes)
        ? withoutUndefined({
            cpus: reservations.NanoCPUs ? reservations.NanoCPUs / 1e9 : undefined,
            memoryBytes: reservations.MemoryBytes || undefined,
          })
        : undefined,
  });
  return Object.keys(view).length ? view : undefined;
}

function healthcheckView(check: DockerHealthcheck | undefined): HealthcheckInput | undefined {
  if (!check || Object.values(check).every((value) => !value || (Array.isArray(value) && !value.length))) {
    return undefined;
  }
  return withoutUndefined({
    test: check.Test?.length ? check.Test : undefined,
    intervalSeconds: fromNs(check.Interval || undefined),
    timeoutSeconds: fromNs(check.Timeout || undefined),
    retries: check.Retries || undefined,
    startPeriodSeconds: fromNs(check.StartPeriod || undefined),
  });
}

const nonEmpty = <T>(values: T[] | undefined): T[] | undefined => (values?.length ? values : undefined);

/**
 * The fields of this file as a read shows them: the input's names and units, left out when unset. Networks are
 * named through `networkName` (their ID when it knows none), secrets and configs by the names Docker keeps.
 */
export function specFieldsView(
  spec: DockerServiceSpec,
  networkName: (id: string) => string = (id) => id,
): ServiceSpecFieldsInput {
  const task = spec.TaskTemplate;
  const container = task.ContainerSpec ?? {};
  const restart = task.RestartPolicy;
  const networks = task.Networks ?? spec.Networks;
  return withoutUndefined<ServiceSpecFieldsInput>({
    networks: nonEmpty(networks)?.map((network) =>
      withoutUndefined({ target: networkName(network.Target), aliases: nonEmpty(network.Aliases) }),
    ),
    mounts: nonEmpty(container.Mounts)?.map(mountView),
    secrets: nonEmpty(container.Secrets)?.map((secret) => ({
      secret: secret.SecretName,
      ...fileView(secret.File),
    })),
    configs: nonEmpty(container.Configs)?.map((config) => ({
      config: config.ConfigName,
      ...fileView(config.File),
    })),
    resources: resourcesView(task.Resources),
    restartPolicy: restart
      ? withoutUndefined({
          condition: restart.Condition ? CONDITION_NAMES[restart.Condition] : undefined,
          delaySeconds: fromNs(restart.Delay),
          maxAttempts: restart.MaxAttempts,
          windowSeconds: fromNs(restart.Window),
        })
      : undefined,
    healthcheck: healthcheckView(container.Healthcheck),
    placementPreferences: nonEmpty(task.Placement?.Preferences)
      ?.filter((preference) => preference.Spread)
      .map((preference) => ({ spread: preference.Spread!.SpreadDescriptor })),
    maxReplicasPerNode: task.Placement?.MaxReplicas || undefined,
    endpointMode: spec.EndpointSpec?.Mode === 'dnsrr' ? 'DNSRR' : 'VIP',
    hostname: container.Hostname || undefined,
    user: container.User || undefined,
    workingDir: container.Dir || undefined,
    stopSignal: container.StopSignal || undefined,
    stopGracePeriodSeconds: fromNs(container.StopGracePeriod),
    readOnly: container.ReadOnly ? true : undefined,
    containerLabels:
      container.Labels && Object.keys(container.Labels).length ? labelList(container.Labels) : undefined,
    capabilityAdd: nonEmpty(container.CapabilityAdd),
    capabilityDrop: nonEmpty(container.CapabilityDrop),
    privileges: privilegesView(container.Privileges),
  });
}

// ---------------------------------------------------------------- comparison

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * The fields of this file with Docker's defaults filled in (restart any after 5 s, files 0:0 0444, VIP...), in one
 * order, so that the spec sent and the spec read back compare equal. Networks compare by their resolved target.
 */
export function comparableFields(spec: DockerServiceSpec): Record<string, unknown> {
  const task = spec.TaskTemplate;
  const container = task.ContainerSpec ?? {};
  const file = (target: DockerFileTarget | undefined, name: string) => ({
    target: target?.Name || name,
    uid: target?.UID ?? '0',
    gid: target?.GID ?? '0',
    mode: target?.Mode ?? DEFAULT_FILE_MODE,
  });
  const view = specFieldsView(spec);
  return {
    networks: (task.Networks ?? spec.Networks ?? [])
      .map((network) => ({ target: network.Target, aliases: [...(network.Aliases ?? [])].sort() }))
      .sort(byKey((network) => network.target)),
    mounts: (view.mounts ?? []).sort(byKey((mount) => mount.target)),
    secrets: (container.Secrets ?? [])
      .map((secret) => ({
        id: secret.SecretID,
        name: secret.SecretName,
        ...file(secret.File, secret.SecretName),
      }))
      .sort(byKey((secret) => secret.target)),
    configs: (container.Configs ?? [])
      .map((config) => ({
        id: config.ConfigID,
        name: config.ConfigName,
        ...file(config.File, config.ConfigName),
      }))
      .sort(byKey((config) => config.target)),
    resources: view.resources ?? {},
    restartPolicy: {
      condition: task.RestartPolicy?.Condition ?? 'any',
      delay: task.RestartPolicy?.Delay ?? 5e9,
      maxAttempts: task.RestartPolicy?.MaxAttempts ?? 0,
      window: task.RestartPolicy?.Window ?? 0,
    },
    healthcheck: view.healthcheck ?? {},
    placementPreferences: view.placementPreferences ?? [],
    maxReplicasPerNode: view.maxReplicasPerNode ?? 0,
    endpointMode: view.endpointMode,
    hostname: view.hostname ?? '',
    user: view.user ?? '',
    workingDir: view.workingDir ?? '',
    stopSignal: view.stopSignal ?? '',
    stopGracePeriodSeconds: view.stopGracePeriodSeconds ?? 10,
    readOnly: view.readOnly ?? false,
    containerLabels: view.containerLabels ?? [],
    capabilityAdd: [...(view.capabilityAdd ?? [])].sort(),
    capabilityDrop: [...(view.capabilityDrop ?? [])].sort(),
    privileges: view.privileges ?? {},
  };
}

/** Docker's defaults written into a copy of the spec, so that an unset part and its default compare equal. */
export function withDockerDefaults(spec: DockerServiceSpec): DockerServiceSpec {
  const copy = structuredClone(spec);
  copy.TaskTemplate.RestartPolicy = {
    Condition: 'any',
    Delay: 5e9,
    MaxAttempts: 0,
    Window: 0,
    ...copy.TaskTemplate.RestartPolicy,
  };
  copy.EndpointSpec = { Mode: 'vip', ...copy.EndpointSpec };
  const container = copy.TaskTemplate.ContainerSpec;
  const files = (target: DockerFileTarget | undefined, name: string): DockerFileTarget => ({
    UID: '0',
    GID: '0',
    Mode: DEFAULT_FILE_MODE,
    ...target,
    Name: target?.Name || name,
  });
  for (const secret of container?.Secrets ?? []) secret.File = files(secret.File, secret.SecretName);
  for (const config of container?.Configs ?? []) config.File = files(config.File, config.ConfigName);
  return copy;
}

// ---------------------------------------------------------------- references to networks, secrets and configs

/** A swarm object a reference may name. */
export interface NamedObject {
  id: string;
  name: string;
}

/** The swarm's networks, secrets and configs, listed when a spec names some (at request and at job time). */
export interface SpecLookups {
  networks(): Promise<(NamedObject & { usable: boolean })[]>;
  secrets(): Promise<NamedObject[]>;
  configs(): Promise<NamedObject[]>;
}

/** What the references of a spec may name, as listed (empty where the spec names none). */
export interface SpecObjects {
  networks: (NamedObject & { usable: boolean })[];
  secrets: NamedObject[];
  configs: NamedObject[];
}

/** Lists the kinds of object `spec` refers to, and only those. */
export async function specObjectsFor(spec: DockerServiceSpec, lookups: SpecLookups): Promise<SpecObjects> {
  const container = spec.TaskTemplate.ContainerSpec ?? {};
  const [networks, secrets, configs] = await Promise.all([
    spec.TaskTemplate.Networks?.length ? lookups.networks() : [],
    container.Secrets?.length ? lookups.secrets() : [],
    container.Configs?.length ? lookups.configs() : [],
  ]);
  return { networks, secrets, configs };
}

/** Exact ID, exact name, then a unique ID prefix (as the docker CLI resolves); BAD_INPUT naming the field else. */
function resolveObject<T extends NamedObject>(
  items: readonly T[],
  ref: string,
  field: string,
  kind: string,
): T {
  const exact = items.find((item) => item.id === ref) ?? items.find((item) => item.name === ref);
  if (exact) return exact;
  const prefixed = items.filter((item) => item.id.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0]!;
  throw badInput(
    prefixed.length > 1
      ? `${field}: "${ref}" is ambiguous: it prefixes ${prefixed.length} ${kind} IDs`
      : `${field}: the swarm has no ${kind} "${ref}"; create it first`,
    { field, ref },
  );
}

/**
 * The spec with its network, secret and config references resolved to the IDs and names Docker needs (a copy;
 * references already resolved resolve to themselves); BAD_INPUT naming the field of one that names nothing.
 */
export function resolveServiceRefs(spec: DockerServiceSpec, known: SpecObjects): DockerServiceSpec {
  const out = structuredClone(spec);
  const container = out.TaskTemplate.ContainerSpec ?? {};
  const networks = out.TaskTemplate.Networks ?? [];
  if (networks.length) {
    const seen = new Set<string>();
    networks.forEach((network, index) => {
      const found = resolveObject(known.networks, network.Target, `networks[${index}].target`, 'network');
      if (!found.usable) {
        throw badInput(
          `networks[${index}].target: "${found.name}" is not a network a service may join (an overlay network ` +
            'of the swarm, not ingress, host, bridge or none)',
        );
      }
      if (seen.has(found.id)) throw badInput(`networks[${index}]: network "${found.name}" is given twice`);
      seen.add(found.id);
      network.Target = found.id;
    });
  }
  if (container.Secrets?.length) {
    container.Secrets.forEach((secret, index) => {
      const found = resolveObject(
        known.secrets,
        secret.SecretID || secret.SecretName,
        `secrets[${index}].secret`,
        'secret',
      );
      secret.SecretID = found.id;
      secret.SecretName = found.name;
      secret.File = { ...secret.File, Name: secret.File?.Name || found.name };
    });
  }
  if (container.Configs?.length) {
    container.Configs.forEach((config, index) => {
      const found = resolveObject(
        known.configs,
        config.ConfigID || config.ConfigName,
        `configs[${index}].config`,
        'config',
      );
      config.ConfigID = found.id;
      config.ConfigName = found.name;
      config.File = { ...config.File, Name: config.File?.Name || found.name };
    });
  }
  checkSpecCoherence(out);
  return out;
}

/** Whether a network (as Docker lists it) may be joined by a service: the swarm's own overlay networks only. */
export function isServiceNetwork(network: { Scope: string; Driver: string; Ingress?: boolean }): boolean {
  return network.Scope === 'swarm' && network.Driver === 'overlay' && network.Ingress !== true;
}
