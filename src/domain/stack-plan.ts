// What a stack deploy will do, before it does anything: which networks, secrets, configs and services it creates,
// updates (with the spec fields that change), removes (prune only) and leaves alone, and which keys of the file
// Swarm ignores. Pure: it compares the converted stack with the swarm's objects as a manager lists them now.
// Docker reads a spec back with its defaults filled in (a restart policy, a stop grace period, update settings...),
// so both sides are compared in one normal form: a service is updated only when the file changes something Docker
// would run differently, and a redeploy of an unchanged file changes nothing.
import { canonicalJson } from '../audit/chain.ts';
import type {
  DockerConfig,
  DockerNetwork,
  DockerSecret,
  DockerService,
  DockerServiceSpec,
} from '../docker/types.ts';
import { badInput, conflict } from '../errors.ts';
import {
  DIGEST_LABEL,
  type IgnoredKey,
  type StackDefinition,
  type StackFileObject,
} from './stack-convert.ts';
import { STACK_NAMESPACE_LABEL } from './stack-namespace.ts';

export type StackObjectKind = 'network' | 'secret' | 'config' | 'service';

export interface PlanEntry {
  kind: StackObjectKind;
  name: string;
}

/** One field that changes: its path in Docker's spec, old → new. An Env change names the variables only. */
export interface SpecChange {
  path: string;
  from?: unknown;
  to?: unknown;
  /** For Env: the variables added, removed or changed (never their values). */
  variables?: string[];
}

export interface PlanUpdate extends PlanEntry {
  diff: SpecChange[];
}

export interface StackPlan {
  create: PlanEntry[];
  update: PlanUpdate[];
  remove: PlanEntry[];
  unchanged: PlanEntry[];
  ignored: IgnoredKey[];
}

/** The swarm's objects, as a manager lists them (every one: external objects are looked up by name too). */
export interface SwarmObjects {
  services: DockerService[];
  networks: DockerNetwork[];
  secrets: DockerSecret[];
  configs: DockerConfig[];
}

// ---------------------------------------------------------------- the normal form

/** What Docker fills in when a spec leaves it out (Engine API 1.41, swarmkit's defaults). */
const UPDATE_DEFAULTS = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};
const RESTART_DEFAULTS = { Condition: 'any', Delay: 5e9, MaxAttempts: 0 };
const STOP_GRACE_DEFAULT = 10e9;

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The spec with Docker's defaults filled in and every empty value (null, false, 0, "", [] and {}) left out: for
 * these fields Docker treats an absent value and an empty one alike. ForceUpdate is left out: a redeploy keeps
 * the service's own counter, as the docker CLI does.
 */
export function normalServiceSpec(spec: DockerServiceSpec): unknown {
  const template = spec.TaskTemplate;
  const container = template.ContainerSpec ?? {};
  const global = spec.Mode?.Global !== undefined;
  const normal = {
    ...spec,
    TaskTemplate: {
      ...template,
      ForceUpdate: undefined,
      Runtime: template.Runtime === 'container' ? undefined : template.Runtime,
      ContainerSpec: {
        ...container,
        Isolation: container.Isolation === 'default' ? undefined : container.Isolation,
        StopGracePeriod: container.StopGracePeriod ?? STOP_GRACE_DEFAULT,
      },
      RestartPolicy: { ...RESTART_DEFAULTS, ...withoutUndefined(template.RestartPolicy) },
      Networks: [...(template.Networks ?? [])].sort((a, b) => a.Target.localeCompare(b.Target)),
    },
    Mode: global ? { Global: true } : { Replicated: { Replicas: spec.Mode?.Replicated?.Replicas ?? 1 } },
    UpdateConfig: { ...UPDATE_DEFAULTS, ...withoutUndefined(spec.UpdateConfig) },
    RollbackConfig: { ...UPDATE_DEFAULTS, ...withoutUndefined(spec.RollbackConfig) },
    EndpointSpec: {
      ...spec.EndpointSpec,
      Mode: spec.EndpointSpec?.Mode ?? 'vip',
    },
    // Deprecated top-level networks: Docker moves them to the task template.
    Networks: undefined,
  };
  return withoutEmpties(normal);
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, inner]) => inner !== undefined),
  ) as Partial<T>;
}

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === false ||
    value === 0 ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (isDict(value) && Object.keys(value).length === 0)
  );
}

/** Fields whose zero is a value of its own, not Docker's "unset": 0 replicas is not the default 1. */
const ZERO_MEANS_ZERO = new Set(['Replicas']);

function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpties);
  if (isDict(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, inner]) => [key, withoutEmpties(inner)] as const)
        .filter(([key, inner]) => !isEmpty(inner) || (inner === 0 && ZERO_MEANS_ZERO.has(key))),
    );
  }
  return value;
}

// ---------------------------------------------------------------- the diff

/** Leaves of a normal form by path; lists are leaves (their order matters to Docker). */
function leaves(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (isDict(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, value);
  }
  return out;
}

function envMap(value: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of Array.isArray(value) ? value.map(String) : []) {
    const cut = entry.indexOf('=');
    map.set(cut < 0 ? entry : entry.slice(0, cut), cut < 0 ? '' : entry.slice(cut + 1));
  }
  return map;
}

/** The fields that differ between two specs: paths, old → new; Env by variable name only (values may be secret). */
export function serviceSpecDiff(existing: DockerServiceSpec, desired: DockerServiceSpec): SpecChange[] {
  const before = leaves(normalServiceSpec(existing), '', new Map());
  const after = leaves(normalServiceSpec(desired), '', new Map());
  const changes: SpecChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const from = before.get(path);
    const to = after.get(path);
    if (canonicalJson(from ?? null) === canonicalJson(to ?? null)) continue;
    if (path.endsWith('ContainerSpec.Env')) {
      const old = envMap(from);
      const next = envMap(to);
      const variables = [...new Set([...old.keys(), ...next.keys()])]
        .filter((name) => old.get(name) !== next.get(name))
        .sort();
      changes.push({ path, variables });
      continue;
    }
    changes.push({ path, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  }
  return changes;
}

// ---------------------------------------------------------------- resolving names

/** Docker keeps a service's networks, secrets and configs by ID: the desired spec with the IDs known now. */
export function withObjectIds(spec: DockerServiceSpec, objects: SwarmObjects): DockerServiceSpec {
  const resolved = structuredClone(spec);
  const template = resolved.TaskTemplate;
  const container = template.ContainerSpec ?? {};
  template.Networks = template.Networks?.map((attachment) => ({
    ...attachment,
    Target: networkByName(objects.networks, attachment.Target)?.Id ?? attachment.Target,
  }));
  container.Secrets = container.Secrets?.map((reference) => ({
    ...reference,
    SecretID: objects.secrets.find((secret) => secret.Spec.Name === reference.SecretName)?.ID ?? '',
  }));
  container.Configs = container.Configs?.map((reference) => ({
    ...reference,
    ConfigID: objects.configs.find((config) => config.Spec.Name === reference.ConfigName)?.ID ?? '',
  }));
  return resolved;
}

/** The swarm-scoped network of that name (an engine may also have a local one of the same name). */
export function networkByName(networks: DockerNetwork[], name: string): DockerNetwork | undefined {
  return (
    networks.find((network) => network.Name === name && network.Scope === 'swarm') ??
    networks.find((network) => network.Name === name)
  );
}

// ---------------------------------------------------------------- the plan

/**
 * Refuses what cannot be applied, before anything is: an external object that does not exist (BAD_INPUT), and a
 * secret or config whose content changed (Docker cannot change them: CONFLICT, saying to rename or rotate).
 */
export function checkApplicable(definition: StackDefinition, objects: SwarmObjects): void {
  for (const network of definition.networks.filter((candidate) => candidate.external)) {
    if (!networkByName(objects.networks, network.name)) {
      throw badInput(
        `networks.${network.key}: external network ${network.name} does not exist in the swarm`,
        {
          field: `networks.${network.key}`,
        },
      );
    }
  }
  for (const object of [...definition.secrets, ...definition.configs]) {
    const existing = existingFileObject(object, objects);
    if (object.external) {
      if (!existing) {
        throw badInput(
          `${object.kind}s.${object.key}: external ${object.kind} ${object.name} does not exist`,
          {
            field: `${object.kind}s.${object.key}`,
          },
        );
      }
      continue;
    }
    if (existing && fileObjectChanged(object, existing)) {
      throw conflict(
        `${object.kind}s.${object.key}: the ${object.kind} ${object.name} exists with another content, and ` +
          `Docker cannot change a ${object.kind}'s content. Give it a new name (name: or a new key)` +
          (object.kind === 'secret' ? ', or change the existing one with rotateSecret.' : '.'),
        { kind: object.kind, name: object.name },
      );
    }
  }
}

function existingFileObject(
  object: StackFileObject,
  objects: SwarmObjects,
): DockerSecret | DockerConfig | undefined {
  const list: (DockerSecret | DockerConfig)[] = object.kind === 'secret' ? objects.secrets : objects.configs;
  return list.find((candidate) => candidate.Spec.Name === object.name);
}

/**
 * True when the content differs: a config by its data (Docker sends it), a secret by the digest label the gateway
 * put on it. A secret without that label (created another way) cannot be compared and counts as unchanged.
 */
function fileObjectChanged(object: StackFileObject, existing: DockerSecret | DockerConfig): boolean {
  if (object.kind === 'config' && typeof existing.Spec.Data === 'string') {
    return existing.Spec.Data !== object.spec?.Data;
  }
  const digest = existing.Spec.Labels?.[DIGEST_LABEL];
  return digest !== undefined && digest !== object.digest;
}

/** The plan of deploying `definition` onto the swarm as `objects` shows it; `prune` adds the removals. */
export function planStack(definition: StackDefinition, objects: SwarmObjects, prune: boolean): StackPlan {
  const plan: StackPlan = { create: [], update: [], remove: [], unchanged: [], ignored: definition.ignored };
  for (const network of definition.networks.filter((candidate) => !candidate.external)) {
    const entry = { kind: 'network' as const, name: network.name };
    (networkByName(objects.networks, network.name) ? plan.unchanged : plan.create).push(entry);
  }
  for (const object of [...definition.secrets, ...definition.configs].filter(
    (candidate) => !candidate.external,
  )) {
    const entry = { kind: object.kind, name: object.name };
    (existingFileObject(object, objects) ? plan.unchanged : plan.create).push(entry);
  }
  for (const service of definition.services) {
    const existing = objects.services.find((candidate) => candidate.Spec.Name === service.name);
    const entry = { kind: 'service' as const, name: service.name };
    if (!existing) {
      plan.create.push(entry);
      continue;
    }
    const diff = serviceSpecDiff(existing.Spec, withObjectIds(service.spec, objects));
    if (diff.length === 0) plan.unchanged.push(entry);
    else plan.update.push({ ...entry, diff });
  }
  if (prune) plan.remove = pruned(definition, objects);
  return plan;
}

/** The stack's objects (by its label) the file no longer has: services first, then what they used. */
export function pruned(definition: StackDefinition, objects: SwarmObjects): PlanEntry[] {
  const ofStack = (labels: Record<string, string> | null | undefined) =>
    labels?.[STACK_NAMESPACE_LABEL] === definition.stack;
  const keep = (names: { name: string }[]) => new Set(names.map((object) => object.name));
  const services = keep(definition.services);
  const networks = keep(definition.networks);
  const secrets = keep(definition.secrets);
  const configs = keep(definition.configs);
  return [
    ...objects.services
      .filter((service) => ofStack(service.Spec.Labels) && !services.has(service.Spec.Name))
      .map((service) => ({ kind: 'service' as const, name: service.Spec.Name })),
    ...objects.networks
      .filter((network) => ofStack(network.Labels) && !networks.has(network.Name))
      .map((network) => ({ kind: 'network' as const, name: network.Name })),
    ...objects.secrets
      .filter((secret) => ofStack(secret.Spec.Labels) && !secrets.has(secret.Spec.Name))
      .map((secret) => ({ kind: 'secret' as const, name: secret.Spec.Name })),
    ...objects.configs
      .filter((config) => ofStack(config.Spec.Labels) && !configs.has(config.Spec.Name))
      .map((config) => ({ kind: 'config' as const, name: config.Spec.Name })),
  ];
}

/** "create 5, update 1 (service sgC_web), unchanged 4" for progress messages. */
export function planSummary(plan: StackPlan): string {
  const part = (label: string, entries: PlanEntry[]) =>
    entries.length
      ? `${label} ${entries.length}${label === 'update' ? ` (${entries.map((entry) => entry.name).join(', ')})` : ''}`
      : null;
  return (
    [
      part('create', plan.create),
      part('update', plan.update),
      part('remove', plan.remove),
      part('unchanged', plan.unchanged),
    ]
      .filter(Boolean)
      .join(', ') || 'nothing to do'
  );
}
