// A swarm's policy: which host paths its services may bind-mount, which Linux capabilities they may add, and
// whether they may set security privileges. Tenants are hostile, and a bind mount of `/` or CAP_SYS_ADMIN is root
// on every node; so nothing is allowed until an admin allows it (setSwarmPolicy). Pure: the request checks it
// before queueing, the job again when it runs (the policy may have changed), and a stack deploy on every service.
import path from 'node:path';

import type { DockerMount, DockerServiceSpec } from '../docker/types.ts';
import { badInput, forbidden } from '../errors.ts';

export interface SwarmPolicy {
  /** Absolute, normalised host paths: a bind source equal to or under one of them is allowed. */
  bindMountPaths: string[];
  /** Capability names (CAP_ and upper case) a service may add; ALL only allows adding ALL. */
  capabilities: string[];
  /** Whether services may set Privileges (CredentialSpec, SELinuxContext). */
  allowPrivileges: boolean;
}

/** Nothing allowed: a swarm's policy until an admin sets one. */
export const DEFAULT_SWARM_POLICY: SwarmPolicy = Object.freeze({
  bindMountPaths: [],
  capabilities: [],
  allowPrivileges: false,
});

export const MAX_POLICY_PATHS = 50;
export const MAX_POLICY_PATH_LENGTH = 1024;

/** The capabilities of Linux 5.x that Docker accepts by name, and ALL. */
export const KNOWN_CAPABILITIES: readonly string[] = [
  'ALL',
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'SYSLOG',
  'WAKE_ALARM',
].map((name) => (name === 'ALL' ? name : `CAP_${name}`));

const HOW_TO_ALLOW = 'an admin can allow it with setSwarmPolicy';

/**
 * A capability's one spelling: upper case with the CAP_ prefix (ALL stays ALL), as the docker CLI sends them; null
 * for a name Docker does not know.
 */
export function normaliseCapability(name: string): string | null {
  const upper = name.trim().toUpperCase();
  const canonical = upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return KNOWN_CAPABILITIES.includes(canonical) ? canonical : null;
}

/**
 * An absolute host path in its one spelling: `..`, `.`, `//` and a trailing `/` resolved, so that none of them can
 * get around the policy; null when the path is not absolute (or not a path at all).
 */
export function normaliseHostPath(value: string): string | null {
  if (!value.startsWith('/') || value.includes('\0')) return null;
  const normal = path.posix.normalize(value);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** True when `source` (normalised) is `allowed` or under it, on a path-segment boundary. */
export function isUnder(source: string, allowed: string): boolean {
  if (allowed === '/') return true;
  return source === allowed || source.startsWith(`${allowed}/`);
}

/** The host path a mount reads or writes, if any: a bind's source, or a local volume's bind `device`. */
function hostPathOf(mount: DockerMount): string | null {
  if (mount.Type === 'bind' || mount.Type === 'npipe') return mount.Source ?? '';
  // `docker volume create -o type=none -o o=bind -o device=/` is a bind mount in all but name; a block device
  // (-o device=/dev/sda1) is the host's disk. Any absolute device path is a host path the policy must allow.
  const device = mount.VolumeOptions?.DriverConfig?.Options?.device;
  if (mount.Type === 'volume' && typeof device === 'string' && device.startsWith('/')) return device;
  return null;
}

function checkMount(mount: DockerMount, index: number, policy: SwarmPolicy): void {
  const source = hostPathOf(mount);
  if (source === null) return;
  const target = mount.Target ?? '';
  const normal = normaliseHostPath(source);
  if (normal === null) {
    throw badInput(
      `mounts[${index}] (target ${target}): a bind mount's source must be an absolute host path`,
    );
  }
  const allowed = policy.bindMountPaths
    .map((entry) => normaliseHostPath(entry))
    .some((entry) => entry !== null && isUnder(normal, entry));
  if (!allowed) {
    throw forbidden(
      `mounts[${index}]: mounting host path ${normal} (at ${target}) is not allowed by the swarm's policy ` +
        `(allowed: ${policy.bindMountPaths.length ? policy.bindMountPaths.join(', ') : 'no host paths'}); ` +
        `${HOW_TO_ALLOW} (bindMountPaths)`,
    );
  }
}

function checkCapabilities(added: readonly string[], policy: SwarmPolicy): void {
  const allowed = new Set(policy.capabilities.map((name) => normaliseCapability(name)));
  for (const name of added) {
    const canonical = normaliseCapability(name);
    if (canonical === null) throw badInput(`capabilityAdd: "${name}" is not a Linux capability Docker knows`);
    if (!allowed.has(canonical)) {
      throw forbidden(
        `capabilityAdd: adding ${canonical} is not allowed by the swarm's policy; ${HOW_TO_ALLOW} (capabilities)`,
      );
    }
  }
}

function hasPrivileges(spec: DockerServiceSpec): boolean {
  const privileges = spec.TaskTemplate.ContainerSpec?.Privileges;
  if (!privileges) return false;
  const set = (value: object | undefined) =>
    value !== undefined &&
    Object.values(value).some(
      (inner) => inner !== undefined && inner !== null && inner !== '' && inner !== false,
    );
  return set(privileges.CredentialSpec) || set(privileges.SELinuxContext);
}

/**
 * Throws FORBIDDEN when `spec` mounts a host path, adds a capability or sets privileges that `policy` does not
 * allow, naming what and saying that an admin can allow it; BAD_INPUT for a bind source that is not an absolute
 * path or a capability Docker does not know.
 */
export function checkServiceAgainstPolicy(spec: DockerServiceSpec, policy: SwarmPolicy): void {
  const container = spec.TaskTemplate.ContainerSpec ?? {};
  (container.Mounts ?? []).forEach((mount, index) => checkMount(mount, index, policy));
  checkCapabilities(container.CapabilityAdd ?? [], policy);
  if (hasPrivileges(spec) && !policy.allowPrivileges) {
    throw forbidden(
      `privileges (credentialSpec, seLinuxContext) are not allowed by the swarm's policy; ${HOW_TO_ALLOW} ` +
        '(allowPrivileges)',
    );
  }
}

// ---------------------------------------------------------------- the policy an admin sets

export interface SwarmPolicyInput {
  bindMountPaths?: readonly string[] | null;
  capabilities?: readonly string[] | null;
  allowPrivileges?: boolean | null;
}

/**
 * Checks a setSwarmPolicy input and returns the policy in its one spelling (paths normalised, capabilities CAP_
 * upper case, both de-duplicated and sorted): BAD_INPUT naming the field for anything else.
 */
export function swarmPolicyOf(input: SwarmPolicyInput): SwarmPolicy {
  const paths = input.bindMountPaths ?? [];
  const capabilities = input.capabilities ?? [];
  if (!Array.isArray(paths) || paths.length > MAX_POLICY_PATHS) {
    throw badInput(`bindMountPaths must be a list of at most ${MAX_POLICY_PATHS} absolute paths`);
  }
  if (!Array.isArray(capabilities) || capabilities.length > KNOWN_CAPABILITIES.length) {
    throw badInput(`capabilities must be a list of at most ${KNOWN_CAPABILITIES.length} capability names`);
  }
  const normalPaths = paths.map((entry, index) => {
    const normal =
      typeof entry === 'string' && entry.length <= MAX_POLICY_PATH_LENGTH ? normaliseHostPath(entry) : null;
    if (normal === null) {
      throw badInput(
        `bindMountPaths[${index}] must be an absolute host path of at most ${MAX_POLICY_PATH_LENGTH} characters`,
      );
    }
    return normal;
  });
  const normalCaps = capabilities.map((name, index) => {
    const canonical = typeof name === 'string' ? normaliseCapability(name) : null;
    if (canonical === null) {
      throw badInput(
        `capabilities[${index}] must be a Linux capability name such as NET_ADMIN or CAP_NET_RAW`,
      );
    }
    return canonical;
  });
  if (input.allowPrivileges != null && typeof input.allowPrivileges !== 'boolean') {
    throw badInput('allowPrivileges must be true or false');
  }
  return {
    bindMountPaths: [...new Set(normalPaths)].sort(),
    capabilities: [...new Set(normalCaps)].sort(),
    allowPrivileges: input.allowPrivileges ?? false,
  };
}

/** A registered swarm's policy; nothing allowed when the record has none. */
export function policyOf(swarm: { policy?: SwarmPolicy | undefined } | null | undefined): SwarmPolicy {
  return swarm?.policy ?? DEFAULT_SWARM_POLICY;
}

/** A stored policy (jsonb, or a record's field) read defensively: anything odd allows nothing. */
export function storedSwarmPolicy(value: unknown): SwarmPolicy {
  if (!value || typeof value !== 'object') return { ...DEFAULT_SWARM_POLICY };
  const record = value as Record<string, unknown>;
  const strings = (list: unknown) =>
    Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
  return {
    bindMountPaths: strings(record.bindMountPaths),
    capabilities: strings(record.capabilities),
    allowPrivileges: record.allowPrivileges === true,
  };
}
