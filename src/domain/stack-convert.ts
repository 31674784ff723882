// A checked compose file → what `docker stack deploy` would create: networks, secrets, configs and service specs,
// named `<stack>_<name>` and labelled with the stack's namespace, as the docker CLI's cli/compose/convert makes them.
// Pure: the request converts to refuse bad input at once, the job converts again to plan and apply.
// What Swarm cannot do is listed in `ignored`, never silently dropped; what the gateway cannot do (read the caller's
// files, build images) is BAD_INPUT saying what to use instead.
import type {
  DockerConfigSpec,
  DockerHealthcheck,
  DockerMount,
  DockerNetworkAttachment,
  DockerNetworkCreateRequest,
  DockerPort,
  DockerResources,
  DockerRestartPolicy,
  DockerSecretSpec,
  DockerServiceSpec,
  DockerUpdateConfig,
} from '../docker/types.ts';
import { badInput } from '../errors.ts';
import type { ContentDigest } from '../util/seal.ts';
import type { ComposeFile } from './stack-compose.ts';
import { STACK_NAMESPACE_LABEL } from './stack-namespace.ts';

/** The service label the docker CLI sets to the compose file's image (`docker stack services` shows it). */
export const STACK_IMAGE_LABEL = 'com.docker.stack.image';
/** A digest of a secret's or config's content, on the objects the gateway creates: a changed content is detected. */
export const DIGEST_LABEL = 'com.swarmgate.digest';
const DOCKER_NAME_LIMIT = 63;
/** What Docker takes as a service's name (a stack's service is named `<stack>_<key>`). */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

export interface IgnoredKey {
  /** The service (compose key), or null for a top-level key. */
  service: string | null;
  key: string;
  why: string;
}

export interface StackNetwork {
  /** The compose key (`default` for the stack's default network). */
  key: string;
  name: string;
  external: boolean;
  /** The create request (not for external networks). */
  create?: DockerNetworkCreateRequest;
}

export interface StackFileObject {
  kind: 'secret' | 'config';
  key: string;
  name: string;
  external: boolean;
  /** The create request with its Data (base64): never shown, logged or stored outside the sealed input. */
  spec?: DockerSecretSpec | DockerConfigSpec;
  /** The content's digest, also in the spec's DIGEST_LABEL. */
  digest?: string;
}

export interface StackService {
  key: string;
  name: string;
  /** Secret and config references carry names; their IDs are filled in when the objects exist. */
  spec: DockerServiceSpec;
}

export interface StackDefinition {
  stack: string;
  networks: StackNetwork[];
  secrets: StackFileObject[];
  configs: StackFileObject[];
  services: StackService[];
  ignored: IgnoredKey[];
}

type Dict = Record<string, unknown>;

// ---------------------------------------------------------------- keys Swarm does not use

/** Service keys the docker CLI warns about and ignores (and a few it drops silently), with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  build: 'the gateway deploys images only: build and push the image, then name it in image',
  cgroup_parent: 'Swarm services do not support it',
  container_name: 'Swarm names the containers of a service itself',
  depends_on: 'Swarm starts services in no order: make the service retry until what it needs answers',
  devices: 'Swarm services do not support devices',
  domainname: 'Swarm services do not support it',
  external_links: 'use networks: services on one network reach each other by name',
  links: 'use networks: services on one network reach each other by name',
  expose: 'services on one network reach each other on any port',
  ipc: 'Swarm services do not support it',
  mac_address: 'Swarm services do not support it',
  network_mode: 'Swarm services join networks (networks:), not a network mode',
  pid: 'Swarm services do not support it',
  privileged: 'Swarm services cannot be privileged',
  security_opt: 'Swarm services do not support it',
  shm_size: 'Swarm services do not support it',
  userns_mode: 'Swarm services do not support it',
  tmpfs: 'use a volume of type tmpfs under volumes',
  profiles: 'a stack deploys every service',
  pull_policy: 'Swarm nodes use the image they have (the gateway never pulls)',
  scale: 'use deploy.replicas',
};

/** Service keys translated here. */
const TRANSLATED = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'labels',
  'hostname',
  'user',
  'working_dir',
  'stop_signal',
  'stop_grace_period',
  'read_only',
  'tty',
  'stdin_open',
  'init',
  'cap_add',
  'cap_drop',
  'sysctls',
  'ulimits',
  'dns',
  'dns_search',
  'extra_hosts',
  'logging',
  'healthcheck',
  'ports',
  'volumes',
  'secrets',
  'configs',
  'networks',
  'deploy',
  'restart',
]);

const DEPLOY_KEYS = new Set([
  'mode',
  'replicas',
  'labels',
  'resources',
  'restart_policy',
  'placement',
  'update_config',
  'rollback_config',
  'endpoint_mode',
]);

/** Top-level keys used for the stack; others are listed as ignored (`x-` extensions are for anchors only). */
const TOP_LEVEL = new Set(['services', 'networks', 'volumes', 'secrets', 'configs']);

// ---------------------------------------------------------------- small readers

const isDict = (value: unknown): value is Dict =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function scope(stack: string, name: string): string {
  return `${stack}_${name}`;
}

function withStackLabel(stack: string, labels: Record<string, string> | undefined): Record<string, string> {
  return { ...(labels ?? {}), [STACK_NAMESPACE_LABEL]: stack };
}

/** A list (`["k=v", "k"]`) or a map of labels, values as strings. */
function labelsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const labels: Record<string, string> = {};
    for (const entry of value.map(String)) {
      const cut = entry.indexOf('=');
      if (cut < 0) labels[entry] = '';
      else labels[entry.slice(0, cut)] = entry.slice(cut + 1);
    }
    return labels;
  }
  if (isDict(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scalarText(inner)]));
  }
  return undefined;
}

/** A scalar of the file as text (numbers and booleans too); `fallback` for anything else. */
function scalarText(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : fallback;
}

/**
 * An integer of the file: the schema lets most numbers be strings (what interpolation makes), so they are
 * checked here. BAD_INPUT naming the field otherwise.
 */
function intOf(value: unknown, field: string, min = 0, max = 1_000_000_000): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw badInput(`${field} must be an integer from ${min} to ${max}`, { field });
  }
  return number;
}

function ratioOf(value: unknown, field: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw badInput(`${field} must be a number from 0 to 1`, { field });
  }
  return number;
}

/** A boolean of the file: true/false, or their strings (interpolated). */
function flagOf(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badInput(`${field} must be true or false`, { field });
}

/** One of Docker's words for a field (lower case as Docker spells them). */
function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (!(allowed as readonly string[]).includes(text)) {
    throw badInput(`${field} must be one of ${allowed.join(', ')}`, { field });
  }
  return text as T;
}

function isExternal(config: Dict, field: string): boolean {
  return isDict(config.external) || flagOf(config.external, `${field}.external`);
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A command given as a string is split as a shell would split words (quotes kept together), as Compose does. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && index + 1 < text.length) current += text[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === '\\' && index + 1 < text.length) {
      current += text[++index];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw badInput(`command "${text.slice(0, 40)}..." has an unclosed quote`);
  if (started) words.push(current);
  return words;
}

function commandOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? shellWords(value) : (value as unknown[]).map(String);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go duration ("1m30s", "500ms", "10s") in nanoseconds; a bare number is seconds. */
export function durationNs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1e9);
  const text = scalarText(value).trim();
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!text || parts.map((part) => part[0]).join('') !== text) {
    throw badInput(`${field} must be a duration such as 10s, 1m30s or 500ms`, { field });
  }
  return Math.round(
    parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNITS[unit!]!, 0),
  );
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size ("512M", "1g", "100kb", 1024) in bytes, binary units as the docker CLI reads them. */
export function bytesOf(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(scalarText(value).trim());
  if (!match) throw badInput(`${field} must be a size such as 512M or 1G`, { field });
  return Math.round(Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase()]!);
}

/** CPUs ("0.5", 2) as Docker's NanoCPUs. */
function nanoCpus(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const cpus = Number(value);
  if (!Number.isFinite(cpus) || cpus < 0) throw badInput(`${field} must be a number of CPUs such as 0.5`);
  return Math.round(cpus * 1e9);
}

function octalMode(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o7777) return value;
  if (typeof value === 'string' && /^0?[0-7]{1,4}$/.test(value)) return parseInt(value, 8);
  throw badInput(`${field} must be a file mode such as 0440`, { field });
}

function checkDockerName(name: string, field: string): void {
  if (name.length > DOCKER_NAME_LIMIT) {
    throw badInput(`${field}: the name ${name} is longer than Docker's ${DOCKER_NAME_LIMIT} characters`, {
      field,
    });
  }
}

// ---------------------------------------------------------------- networks

/** Overlay options a stack may set: encryption of the data path and the MTU. */
const OVERLAY_OPTIONS = new Set(['encrypted', 'com.docker.network.driver.mtu']);

/**
 * The create request of a stack's network: an overlay only, as createNetwork makes (an engine-local driver such as
 * macvlan would reach into the nodes' own interfaces), with the default IPAM driver.
 */
function networkCreate(stack: string, key: string, name: string, config: Dict): DockerNetworkCreateRequest {
  const field = `networks.${key}`;
  const ipam = isDict(config.ipam) ? config.ipam : undefined;
  const driverOpts = labelsOf(config.driver_opts);
  if (config.driver !== undefined && config.driver !== 'overlay') {
    throw badInput(`${field}.driver must be overlay: a stack's networks are the swarm's overlay networks`, {
      field: `${field}.driver`,
    });
  }
  const option = Object.keys(driverOpts ?? {}).find((name) => !OVERLAY_OPTIONS.has(name));
  if (option !== undefined) {
    throw badInput(
      `${field}.driver_opts: ${option} is not taken (only encrypted and com.docker.network.driver.mtu)`,
      {
        field: `${field}.driver_opts`,
      },
    );
  }
  if (ipam?.driver !== undefined && ipam.driver !== 'default') {
    throw badInput(`${field}.ipam.driver must be default`, { field: `${field}.ipam.driver` });
  }
  return {
    Name: name,
    Labels: withStackLabel(stack, labelsOf(config.labels)),
    Driver: 'overlay',
    ...(driverOpts ? { Options: driverOpts } : {}),
    ...(flagOf(config.internal, `${field}.internal`) ? { Internal: true } : {}),
    ...(flagOf(config.attachable, `${field}.attachable`) ? { Attachable: true } : {}),
    ...(flagOf(config.enable_ipv6, `${field}.enable_ipv6`) ? { EnableIPv6: true } : {}),
    ...(ipam
      ? {
          IPAM: {
            ...(typeof ipam.driver === 'string' ? { Driver: ipam.driver } : {}),
            Config: (Array.isArray(ipam.config) ? ipam.config : []).filter(isDict).map((pool) => ({
              ...(typeof pool.subnet === 'string' ? { Subnet: pool.subnet } : {}),
              ...(typeof pool.ip_range === 'string' ? { IPRange: pool.ip_range } : {}),
              ...(typeof pool.gateway === 'string' ? { Gateway: pool.gateway } : {}),
              ...(isDict(pool.aux_addresses) ? { AuxiliaryAddresses: labelsOf(pool.aux_addresses)! } : {}),
            })),
          },
        }
      : {}),
  };
}

/** The networks the services use (only those, as the CLI creates them), `default` included when used. */
function convertNetworks(stack: string, compose: ComposeFile, used: Set<string>): StackNetwork[] {
  const declared = isDict(compose.networks) ? compose.networks : {};
  return [...used].sort().map((key) => {
    const config = isDict(declared[key]) ? declared[key] : {};
    const external = isExternal(config, `networks.${key}`);
    const name =
      typeof config.name === 'string' && config.name ? config.name : external ? key : scope(stack, key);
    checkDockerName(name, `networks.${key}`);
    return external
      ? { key, name, external }
      : { key, name, external, create: networkCreate(stack, key, name, config) };
  });
}

function serviceNetworks(
  stack: string,
  serviceKey: string,
  value: unknown,
  compose: ComposeFile,
  used: Set<string>,
): DockerNetworkAttachment[] {
  const declared = isDict(compose.networks) ? compose.networks : {};
  const entries: [string, Dict][] = Array.isArray(value)
    ? value.map((key) => [String(key), {}])
    : isDict(value)
      ? Object.entries(value).map(([key, inner]) => [key, isDict(inner) ? inner : {}])
      : [];
  if (entries.length === 0) entries.push(['default', {}]);
  const attachments = entries.map(([key, options]) => {
    if (key !== 'default' && !(key in declared)) {
      throw badInput(`services.${serviceKey}.networks: network ${key} is not declared under networks`, {
        field: `services.${serviceKey}.networks`,
      });
    }
    used.add(key);
    const config = isDict(declared[key]) ? declared[key] : {};
    const external = isExternal(config, `networks.${key}`);
    const target =
      typeof config.name === 'string' && config.name ? config.name : external ? key : scope(stack, key);
    if (options.driver_opts !== undefined) {
      throw badInput(`services.${serviceKey}.networks.${key}.driver_opts is not taken`, {
        field: `services.${serviceKey}.networks.${key}.driver_opts`,
      });
    }
    return {
      Target: target,
      // The service's own name is an alias on each of its networks, after the ones the file gives.
      Aliases: [...(stringList(options.aliases) ?? []), serviceKey],
    };
  });
  return attachments.sort((a, b) => a.Target.localeCompare(b.Target));
}

// ---------------------------------------------------------------- secrets and configs

function fileObjects(
  stack: string,
  kind: 'secret' | 'config',
  declared: unknown,
  env: ReadonlyMap<string, string>,
  digestOf: ContentDigest,
): StackFileObject[] {
  if (!isDict(declared)) return [];
  const plural = `${kind}s`;
  return Object.entries(declared).map(([key, raw]) => {
    const config = isDict(raw) ? raw : {};
    const field = `${plural}.${key}`;
    const external = isExternal(config, field);
    const name =
      typeof config.name === 'string' && config.name ? config.name : external ? key : scope(stack, key);
    checkDockerName(name, field);
    if (external) return { kind, key, name, external };
    let data: Buffer;
    if (typeof config.environment === 'string') {
      const value = env.get(config.environment);
      if (value === undefined) {
        throw badInput(
          `${field}: environment ${config.environment} is not in env; give it as KEY=VALUE in env`,
          {
            field,
          },
        );
      }
      data = Buffer.from(value);
    } else if (kind === 'config' && typeof config.content === 'string') {
      data = Buffer.from(config.content);
    } else if (config.file !== undefined) {
      throw badInput(
        `${field}: file is not taken (the gateway cannot read your files); give the value with environment: ` +
          `VAR and VAR=... in env${kind === 'config' ? ', or with content:' : ''}`,
        { field },
      );
    } else {
      throw badInput(`${field} needs environment${kind === 'config' ? ', content' : ''} or external: true`, {
        field,
      });
    }
    if (data.length === 0 || data.length > 500 * 1024) {
      throw badInput(`${field}: the value must be 1 byte to 500 KiB (Docker's limit)`, { field });
    }
    // Keyed (a label anyone on the swarm reads must not let them test guesses of a secret) and salted with the
    // name: equal values of two objects do not show as equal digests.
    const digest = digestOf(data, `stack ${kind} ${name}`);
    const labels = { ...withStackLabel(stack, labelsOf(config.labels)), [DIGEST_LABEL]: digest };
    const templating =
      typeof config.template_driver === 'string' ? { Templating: { Name: config.template_driver } } : {};
    const spec = { Name: name, Labels: labels, Data: data.toString('base64'), ...templating };
    return { kind, key, name, external, spec, digest };
  });
}

interface FileReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  name: string;
}

function fileReferences(
  serviceKey: string,
  kind: 'secret' | 'config',
  value: unknown,
  objects: StackFileObject[],
): FileReference[] {
  if (value === undefined || value === null) return [];
  const field = `services.${serviceKey}.${kind}s`;
  const references = (value as unknown[]).map((entry) => {
    const options: Dict = isDict(entry) ? entry : { source: String(entry) };
    const source = scalarText(options.source, '');
    const object = objects.find((candidate) => candidate.key === source);
    if (!object) throw badInput(`${field}: ${kind} ${source} is not declared under ${kind}s`, { field });
    return {
      name: object.name,
      File: {
        Name: typeof options.target === 'string' && options.target ? options.target : source,
        UID: options.uid === undefined ? '0' : scalarText(options.uid),
        GID: options.gid === undefined ? '0' : scalarText(options.gid),
        Mode: octalMode(options.mode, `${field}.mode`) ?? 0o444,
      },
    };
  });
  return references.sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- mounts

function volumeMount(
  stack: string,
  serviceKey: string,
  value: unknown,
  index: number,
  volumes: Dict,
): DockerMount {
  const field = `services.${serviceKey}.volumes[${index}]`;
  const spec: Dict = typeof value === 'string' ? shortVolume(value, field) : isDict(value) ? value : {};
  const type = scalarText(spec.type, 'volume');
  const target = scalarText(spec.target, '');
  if (!target.startsWith('/')) throw badInput(`${field}: target must be an absolute path in the container`);
  const readOnly = flagOf(spec.read_only, `${field}.read_only`) ? { ReadOnly: true } : {};
  if (type === 'tmpfs') {
    if (spec.source) throw badInput(`${field}: a tmpfs mount takes no source`, { field });
    const tmpfs = isDict(spec.tmpfs) ? spec.tmpfs : {};
    const size = bytesOf(tmpfs.size, `${field}.tmpfs.size`);
    const mode = octalMode(tmpfs.mode, `${field}.tmpfs.mode`);
    const options = { ...(size ? { SizeBytes: size } : {}), ...(mode !== undefined ? { Mode: mode } : {}) };
    return {
      Type: 'tmpfs',
      Target: target,
      ...readOnly,
      ...(Object.keys(options).length ? { TmpfsOptions: options } : {}),
    };
  }
  if (type === 'bind') {
    const source = scalarText(spec.source, '');
    if (!source.startsWith('/')) {
      throw badInput(
        `${field}: a bind mount's source must be an absolute host path (the gateway has no working directory)`,
        { field },
      );
    }
    const bind = isDict(spec.bind) ? spec.bind : {};
    return {
      Type: 'bind',
      Source: source,
      Target: target,
      ...readOnly,
      ...(typeof bind.propagation === 'string'
        ? {
            BindOptions: {
              Propagation: oneOf(bind.propagation, `${field}.bind.propagation`, [
                'private',
                'rprivate',
                'shared',
                'rshared',
                'slave',
                'rslave',
              ] as const),
            },
          }
        : {}),
    };
  }
  if (type !== 'volume')
    throw badInput(`${field}: type must be volume, bind or tmpfs for a Swarm service`, { field });
  const nocopy =
    isDict(spec.volume) && flagOf(spec.volume.nocopy, `${field}.volume.nocopy`) ? { NoCopy: true } : {};
  if (!spec.source)
    return {
      Type: 'volume',
      Target: target,
      ...readOnly,
      ...(nocopy.NoCopy ? { VolumeOptions: nocopy } : {}),
    };
  const key = scalarText(spec.source);
  if (!(key in volumes)) {
    throw badInput(`${field}: volume ${key} is not declared under volumes`, { field });
  }
  const config = isDict(volumes[key]) ? volumes[key] : {};
  const external = isExternal(config, `volumes.${key}`);
  const named = typeof config.name === 'string' && config.name ? config.name : undefined;
  if (external) return { Type: 'volume', Source: named ?? key, Target: target, ...readOnly };
  const driverOpts = labelsOf(config.driver_opts);
  const driver =
    typeof config.driver === 'string' || driverOpts
      ? {
          DriverConfig: {
            ...(typeof config.driver === 'string' ? { Name: config.driver } : {}),
            ...(driverOpts ? { Options: driverOpts } : {}),
          },
        }
      : {};
  return {
    Type: 'volume',
    Source: named ?? scope(stack, key),
    Target: target,
    ...readOnly,
    VolumeOptions: { ...nocopy, Labels: withStackLabel(stack, labelsOf(config.labels)), ...driver },
  };
}

/** `source:target[:mode]`, `target` alone (an anonymous volume); a source with a "/" or "." is a host path. */
function shortVolume(text: string, field: string): Dict {
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((part) => part === '')) {
    throw badInput(`${field} must be SOURCE:TARGET[:ro|rw] or TARGET`, { field });
  }
  if (parts.length === 1) return { type: 'volume', target: parts[0] };
  const [source = '', target, mode] = parts;
  if (mode !== undefined && !/^(ro|rw)(,.*)?$|^(z|Z|nocopy)$/.test(mode)) {
    throw badInput(`${field}: the mode must be ro or rw`, { field });
  }
  const hostPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
  return {
    type: hostPath ? 'bind' : 'volume',
    source,
    target,
    read_only: mode?.startsWith('ro') === true,
    ...(mode === 'nocopy' ? { volume: { nocopy: true } } : {}),
  };
}

// ---------------------------------------------------------------- ports

function portsOf(serviceKey: string, value: unknown): DockerPort[] {
  if (value === undefined || value === null) return [];
  const field = `services.${serviceKey}.ports`;
  const ports = (value as unknown[]).flatMap((entry, index): DockerPort[] => {
    if (isDict(entry)) {
      const target = intOf(entry.target, `${field}[${index}].target`, 1, 65535);
      const published =
        entry.published === undefined || entry.published === ''
          ? undefined
          : intOf(entry.published, `${field}[${index}].published`, 0, 65535);
      return [
        {
          Protocol: oneOf(entry.protocol ?? 'tcp', `${field}[${index}].protocol`, [
            'tcp',
            'udp',
            'sctp',
          ] as const),
          TargetPort: target,
          ...(published !== undefined ? { PublishedPort: published } : {}),
          PublishMode: oneOf(entry.mode ?? 'ingress', `${field}[${index}].mode`, [
            'ingress',
            'host',
          ] as const),
        },
      ];
    }
    return shortPorts(String(entry), `${field}[${index}]`);
  });
  return ports.sort(
    (a, b) =>
      (a.Protocol ?? '').localeCompare(b.Protocol ?? '') ||
      (a.TargetPort ?? 0) - (b.TargetPort ?? 0) ||
      (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0),
  );
}

function portRange(text: string, field: string): number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw badInput(`${field}: "${text}" is not a port or port range`, { field });
  const first = Number(match[1]);
  const last = Number(match[2] ?? match[1]);
  if (first < 1 || last > 65535 || last < first || last - first > 100) {
    throw badInput(`${field}: ports must be 1-65535, ranges at most 100 long`, { field });
  }
  return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
}

/** `[ip:][published:]target[/protocol]`, ranges too; the host IP is ignored by Swarm's ingress, as by the CLI. */
function shortPorts(text: string, field: string): DockerPort[] {
  const [spec = '', protocol = 'tcp'] = text.split('/');
  if (!['tcp', 'udp', 'sctp'].includes(protocol))
    throw badInput(`${field}: protocol must be tcp, udp or sctp`);
  const parts = spec.split(':');
  const target = portRange(parts[parts.length - 1] ?? '', field);
  const publishedText = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const published = publishedText ? portRange(publishedText, field) : [];
  if (published.length > 0 && published.length !== target.length) {
    throw badInput(`${field}: the published and target ranges must be as long`, { field });
  }
  return target.map((port, index) => ({
    Protocol: protocol as DockerPort['Protocol'],
    TargetPort: port,
    ...(published[index] !== undefined ? { PublishedPort: published[index] } : {}),
    PublishMode: 'ingress',
  }));
}

// ---------------------------------------------------------------- deploy

function updateConfigOf(value: unknown, field: string): DockerUpdateConfig | undefined {
  if (!isDict(value)) return undefined;
  return {
    Parallelism: value.parallelism === undefined ? 1 : intOf(value.parallelism, `${field}.parallelism`),
    ...(value.delay !== undefined ? { Delay: durationNs(value.delay, `${field}.delay`) } : {}),
    ...(typeof value.failure_action === 'string'
      ? {
          FailureAction: oneOf(value.failure_action, `${field}.failure_action`, [
            'continue',
            'pause',
            'rollback',
          ] as const),
        }
      : {}),
    ...(value.monitor !== undefined ? { Monitor: durationNs(value.monitor, `${field}.monitor`) } : {}),
    ...(value.max_failure_ratio !== undefined
      ? { MaxFailureRatio: ratioOf(value.max_failure_ratio, `${field}.max_failure_ratio`) }
      : {}),
    ...(value.order !== undefined
      ? { Order: oneOf(value.order, `${field}.order`, ['stop-first', 'start-first'] as const) }
      : {}),
  };
}

function resourcesOf(value: unknown, field: string): DockerResources {
  if (!isDict(value)) return {};
  const limits = isDict(value.limits) ? value.limits : undefined;
  const reservations = isDict(value.reservations) ? value.reservations : undefined;
  const resources: DockerResources = {};
  if (limits) {
    const cpus = nanoCpus(limits.cpus, `${field}.limits.cpus`);
    const memory = bytesOf(limits.memory, `${field}.limits.memory`);
    resources.Limits = {
      ...(cpus ? { NanoCPUs: cpus } : {}),
      ...(memory ? { MemoryBytes: memory } : {}),
      ...(limits.pids !== undefined ? { Pids: intOf(limits.pids, `${field}.limits.pids`) } : {}),
    };
  }
  if (reservations) {
    const cpus = nanoCpus(reservations.cpus, `${field}.reservations.cpus`);
    const memory = bytesOf(reservations.memory, `${field}.reservations.memory`);
    const generic = (Array.isArray(reservations.generic_resources) ? reservations.generic_resources : [])
      .filter(isDict)
      .map((resource) => {
        const discrete = isDict(resource.discrete_resource_spec) ? resource.discrete_resource_spec : {};
        return {
          DiscreteResourceSpec: {
            Kind: scalarText(discrete.kind, ''),
            Value: intOf(discrete.value ?? 0, `${field}.reservations.generic_resources`),
          },
        };
      });
    resources.Reservations = {
      ...(cpus ? { NanoCPUs: cpus } : {}),
      ...(memory ? { MemoryBytes: memory } : {}),
      ...(generic.length ? { GenericResources: generic } : {}),
    };
  }
  return resources;
}

/** deploy.restart_policy, else the service's `restart` as the CLI reads it (no → none set, always → any...). */
function restartPolicyOf(deploy: Dict, restart: unknown, field: string): DockerRestartPolicy | undefined {
  const policy = isDict(deploy.restart_policy) ? deploy.restart_policy : undefined;
  if (policy) {
    return {
      ...(typeof policy.condition === 'string'
        ? {
            Condition: oneOf(policy.condition, `${field}.restart_policy.condition`, [
              'none',
              'on-failure',
              'any',
            ] as const),
          }
        : {}),
      ...(policy.delay !== undefined
        ? { Delay: durationNs(policy.delay, `${field}.restart_policy.delay`) }
        : {}),
      ...(policy.max_attempts !== undefined
        ? { MaxAttempts: intOf(policy.max_attempts, `${field}.restart_policy.max_attempts`) }
        : {}),
      ...(policy.window !== undefined
        ? { Window: durationNs(policy.window, `${field}.restart_policy.window`) }
        : {}),
    };
  }
  if (typeof restart !== 'string' || restart === '' || restart === 'no') return undefined;
  const [name, count] = restart.split(':');
  const attempts = count ? intOf(count, `${field}: restart`) : 0;
  if (name === 'always' || name === 'unless-stopped') {
    return { Condition: 'any', ...(attempts > 0 ? { MaxAttempts: attempts } : {}) };
  }
  if (name === 'on-failure')
    return { Condition: 'on-failure', ...(attempts > 0 ? { MaxAttempts: attempts } : {}) };
  throw badInput(`${field}: restart must be no, always, unless-stopped or on-failure[:N]`);
}

function healthcheckOf(value: unknown, field: string): DockerHealthcheck | undefined {
  if (!isDict(value)) return undefined;
  if (flagOf(value.disable, `${field}.disable`)) {
    if (value.test !== undefined) throw badInput(`${field}: test and disable cannot both be set`, { field });
    return { Test: ['NONE'] };
  }
  const test =
    value.test === undefined
      ? undefined
      : typeof value.test === 'string'
        ? ['CMD-SHELL', value.test]
        : (value.test as unknown[]).map(String);
  const durations = {
    Interval: durationNs(value.interval, `${field}.interval`),
    Timeout: durationNs(value.timeout, `${field}.timeout`),
    StartPeriod: durationNs(value.start_period, `${field}.start_period`),
  };
  return {
    ...(test ? { Test: test } : {}),
    ...Object.fromEntries(Object.entries(durations).filter(([, inner]) => inner !== undefined)),
    ...(value.retries !== undefined ? { Retries: intOf(value.retries, `${field}.retries`) } : {}),
  };
}

/** `environment` as a sorted `KEY=VALUE` list; `KEY` alone takes the caller's env value, else stays unset. */
function environmentOf(value: unknown, env: ReadonlyMap<string, string>): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const entries: [string, string | null][] = Array.isArray(value)
    ? value.map(String).map((entry) => {
        const cut = entry.indexOf('=');
        return cut < 0 ? [entry, env.get(entry) ?? null] : [entry.slice(0, cut), entry.slice(cut + 1)];
      })
    : Object.entries(value as Dict).map(([key, inner]) => [
        key,
        inner === null || inner === undefined ? (env.get(key) ?? null) : scalarText(inner),
      ]);
  return entries.map(([key, inner]) => (inner === null ? key : `${key}=${inner}`)).sort();
}

// ---------------------------------------------------------------- services

function serviceSpec(
  stack: string,
  key: string,
  service: Dict,
  context: {
    compose: ComposeFile;
    env: ReadonlyMap<string, string>;
    secrets: StackFileObject[];
    configs: StackFileObject[];
    usedNetworks: Set<string>;
  },
): DockerServiceSpec {
  const field = `services.${key}`;
  const image = service.image;
  if (typeof image !== 'string' || !image.trim()) {
    throw badInput(`${field}.image is required: the gateway deploys images, it does not build them`, {
      field: `${field}.image`,
    });
  }
  const deploy = isDict(service.deploy) ? service.deploy : {};
  const placement = isDict(deploy.placement) ? deploy.placement : {};
  const mode = scalarText(deploy.mode, 'replicated');
  if (mode !== 'replicated' && mode !== 'global') {
    throw badInput(`${field}.deploy.mode must be replicated or global (jobs are not supported)`);
  }
  if (mode === 'global' && deploy.replicas !== undefined) {
    throw badInput(`${field}.deploy.replicas cannot be given for a global service`);
  }
  const volumes = isDict(context.compose.volumes) ? context.compose.volumes : {};
  const mounts = ((service.volumes as unknown[] | undefined) ?? []).map((volume, index) =>
    volumeMount(stack, key, volume, index, volumes),
  );
  const secrets = fileReferences(key, 'secret', service.secrets, context.secrets);
  const configs = fileReferences(key, 'config', service.configs, context.configs);
  const logging = isDict(service.logging) ? service.logging : undefined;
  const ulimits = isDict(service.ulimits) ? service.ulimits : undefined;
  const healthcheck = healthcheckOf(service.healthcheck, `${field}.healthcheck`);
  const stopGrace = durationNs(service.stop_grace_period, `${field}.stop_grace_period`);
  const dns = stringList(service.dns);
  const dnsSearch = stringList(service.dns_search);
  const hosts = extraHostsOf(service.extra_hosts);
  const restartPolicy = restartPolicyOf(deploy, service.restart, `${field}.deploy`);
  const update = updateConfigOf(deploy.update_config, `${field}.deploy.update_config`);
  const rollback = updateConfigOf(deploy.rollback_config, `${field}.deploy.rollback_config`);
  const preferences = (Array.isArray(placement.preferences) ? placement.preferences : [])
    .filter(isDict)
    .map((preference) => ({ Spread: { SpreadDescriptor: scalarText(preference.spread, '') } }));

  const container = {
    Image: image,
    ...optional('Command', commandOf(service.entrypoint)),
    ...optional('Args', commandOf(service.command)),
    ...optional('Hostname', service.hostname === undefined ? undefined : scalarText(service.hostname)),
    ...optional('Hosts', hosts),
    ...(dns || dnsSearch
      ? { DNSConfig: { ...optional('Nameservers', dns), ...optional('Search', dnsSearch) } }
      : {}),
    ...optional('Healthcheck', healthcheck),
    ...optional('Env', environmentOf(service.environment, context.env)),
    Labels: withStackLabel(stack, labelsOf(service.labels)),
    ...optional('Dir', service.working_dir === undefined ? undefined : scalarText(service.working_dir)),
    ...optional('User', service.user === undefined ? undefined : scalarText(service.user)),
    ...(mounts.length ? { Mounts: mounts } : {}),
    ...optional('StopGracePeriod', stopGrace),
    ...optional(
      'StopSignal',
      service.stop_signal === undefined ? undefined : scalarText(service.stop_signal),
    ),
    ...(flagOf(service.tty, `${field}.tty`) ? { TTY: true } : {}),
    ...(flagOf(service.stdin_open, `${field}.stdin_open`) ? { OpenStdin: true } : {}),
    ...(secrets.length
      ? { Secrets: secrets.map((ref) => ({ File: ref.File, SecretID: '', SecretName: ref.name })) }
      : {}),
    ...(configs.length
      ? { Configs: configs.map((ref) => ({ File: ref.File, ConfigID: '', ConfigName: ref.name })) }
      : {}),
    ...(flagOf(service.read_only, `${field}.read_only`) ? { ReadOnly: true } : {}),
    ...(service.init !== undefined ? { Init: flagOf(service.init, `${field}.init`) } : {}),
    ...optional('Sysctls', labelsOf(service.sysctls)),
    ...optional('CapabilityAdd', stringList(service.cap_add)),
    ...optional('CapabilityDrop', stringList(service.cap_drop)),
    ...(ulimits ? { Ulimits: ulimitsOf(ulimits) } : {}),
  };
  const serviceLabels = { ...withStackLabel(stack, labelsOf(deploy.labels)), [STACK_IMAGE_LABEL]: image };
  return {
    Name: scope(stack, key),
    Labels: serviceLabels,
    TaskTemplate: {
      ContainerSpec: container,
      ...(logging
        ? {
            LogDriver: {
              ...optional('Name', typeof logging.driver === 'string' ? logging.driver : undefined),
              ...optional('Options', labelsOf(logging.options)),
            },
          }
        : {}),
      Resources: resourcesOf(deploy.resources, `${field}.deploy.resources`),
      ...optional('RestartPolicy', restartPolicy),
      Placement: {
        ...optional('Constraints', stringList(placement.constraints)),
        ...(preferences.length ? { Preferences: preferences } : {}),
        ...(placement.max_replicas_per_node !== undefined
          ? {
              MaxReplicas: intOf(
                placement.max_replicas_per_node,
                `${field}.deploy.placement.max_replicas_per_node`,
              ),
            }
          : {}),
      },
      Networks: serviceNetworks(stack, key, service.networks, context.compose, context.usedNetworks),
    },
    Mode:
      mode === 'global'
        ? { Global: {} }
        : {
            Replicated:
              deploy.replicas === undefined
                ? {}
                : { Replicas: intOf(deploy.replicas, `${field}.deploy.replicas`, 0, 100_000) },
          },
    ...optional('UpdateConfig', update),
    ...optional('RollbackConfig', rollback),
    EndpointSpec: {
      ...(deploy.endpoint_mode !== undefined
        ? { Mode: oneOf(deploy.endpoint_mode, `${field}.deploy.endpoint_mode`, ['vip', 'dnsrr'] as const) }
        : {}),
      Ports: portsOf(key, service.ports),
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `host:ip` (or `host=ip`) entries as Swarm's "ip host" lines. */
function extraHostsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const entries = Array.isArray(value)
    ? value.map(String).map((entry) => entry.split(/[=:](.*)/s, 2) as [string, string?])
    : Object.entries(value as Dict).map(([host, ip]) => [host, String(ip)] as [string, string?]);
  return entries.filter(([, ip]) => ip).map(([host, ip]) => `${ip} ${host}`);
}

function ulimitsOf(value: Dict): { Name: string; Soft: number; Hard: number }[] {
  return Object.entries(value)
    .map(([name, limit]) =>
      isDict(limit)
        ? {
            Name: name,
            Soft: intOf(limit.soft, `ulimits.${name}.soft`),
            Hard: intOf(limit.hard, `ulimits.${name}.hard`),
          }
        : { Name: name, Soft: intOf(limit, `ulimits.${name}`), Hard: intOf(limit, `ulimits.${name}`) },
    )
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

/** Keys of the file Swarm (or this translation) does not use, with why: listed in the plan, never dropped quietly. */
export function ignoredKeys(compose: ComposeFile): IgnoredKey[] {
  const ignored: IgnoredKey[] = [];
  for (const key of Object.keys(compose)) {
    if (TOP_LEVEL.has(key) || key.startsWith('x-')) continue;
    ignored.push({
      service: null,
      key,
      why: key === 'version' ? 'obsolete: the Compose Specification ignores it' : 'not used by a Swarm stack',
    });
  }
  for (const [service, config] of Object.entries(compose.services)) {
    for (const key of Object.keys(isDict(config) ? config : {})) {
      if (TRANSLATED.has(key) || key.startsWith('x-')) continue;
      ignored.push({
        service,
        key,
        why: UNSUPPORTED[key] ?? 'Swarm services do not use it (docker stack deploy ignores it)',
      });
    }
    const deploy = isDict(config) && isDict(config.deploy) ? config.deploy : {};
    for (const key of Object.keys(deploy)) {
      if (DEPLOY_KEYS.has(key) || key.startsWith('x-')) continue;
      ignored.push({
        service,
        key: `deploy.${key}`,
        why: 'Swarm services do not use it (docker stack deploy ignores it)',
      });
    }
    const reservations =
      isDict(deploy.resources) && isDict(deploy.resources.reservations) ? deploy.resources.reservations : {};
    if (reservations.devices !== undefined) {
      ignored.push({
        service,
        key: 'deploy.resources.reservations.devices',
        why: 'Swarm services cannot reserve devices',
      });
    }
  }
  return ignored;
}

/** The whole stack `docker stack deploy` would make of the file. */
export function convertStack(
  stack: string,
  compose: ComposeFile,
  env: ReadonlyMap<string, string>,
  digestOf: ContentDigest,
): StackDefinition {
  const secrets = fileObjects(stack, 'secret', compose.secrets, env, digestOf);
  const configs = fileObjects(stack, 'config', compose.configs, env, digestOf);
  const usedNetworks = new Set<string>();
  const services = Object.entries(compose.services).map(([key, service]) => {
    const spec = serviceSpec(stack, key, isDict(service) ? service : {}, {
      compose,
      env,
      secrets,
      configs,
      usedNetworks,
    });
    checkDockerName(spec.Name, `services.${key}`);
    if (!SERVICE_NAME.test(spec.Name)) {
      throw badInput(
        `services.${key}: Docker cannot name a service ${spec.Name} (letters, digits, "-" and "_" only, ` +
          'starting and ending with a letter or digit)',
        { field: `services.${key}` },
      );
    }
    return { key, name: spec.Name, spec };
  });
  return {
    stack,
    networks: convertNetworks(stack, compose, usedNetworks),
    secrets,
    configs,
    services,
    ignored: ignoredKeys(compose),
  };
}
