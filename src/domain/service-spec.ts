// Service operations' input → Docker ServiceSpec: validation (BAD_INPUT naming the field), the spec built for a
// create or an update, and the comparison that makes create and update idempotent.
import { canonicalJson } from '../audit/chain.ts';
import type { DockerPort, DockerServiceSpec, DockerUpdateConfig } from '../docker/types.ts';
import { badInput, conflict } from '../errors.ts';
import {
  applySpecFields,
  checkSpecCoherence,
  SPEC_FIELD_NAMES,
  comparableFields,
  specFieldsView,
  withDockerDefaults,
  type ServiceSpecFieldsInput,
} from './service-spec-fields.ts';
import { integer, labelList, labelMap, seconds, strings, type LabelInput } from './spec-checks.ts';

export type { LabelInput } from './spec-checks.ts';

type Maybe<T> = T | null | undefined;

export interface UpdateConfigInput {
  parallelism?: Maybe<number>;
  delaySeconds?: Maybe<number>;
  failureAction?: Maybe<'PAUSE' | 'CONTINUE' | 'ROLLBACK'>;
  order?: Maybe<'STOP_FIRST' | 'START_FIRST'>;
  monitorSeconds?: Maybe<number>;
  maxFailureRatio?: Maybe<number>;
}

export interface PortInput {
  targetPort: number;
  publishedPort?: Maybe<number>;
  protocol?: Maybe<'TCP' | 'UDP' | 'SCTP'>;
  publishMode?: Maybe<'INGRESS' | 'HOST'>;
}

/** What every service mutation takes besides its own fields. */
export interface ServiceMutationMeta {
  /** Swarm id or name. */
  swarm: string;
  reason?: Maybe<string>;
  idempotencyKey?: Maybe<string>;
  /** Answer the plan only, change nothing (src/operations/plan-job.ts); not part of the job's input. */
  dryRun?: Maybe<boolean>;
}

export interface CreateServiceInput extends ServiceMutationMeta, ServiceSpecFieldsInput {
  name: string;
  image: string;
  mode?: Maybe<'REPLICATED' | 'GLOBAL'>;
  replicas?: Maybe<number>;
  env?: Maybe<string[]>;
  labels?: Maybe<LabelInput[]>;
  constraints?: Maybe<string[]>;
  updateConfig?: Maybe<UpdateConfigInput>;
  rollbackConfig?: Maybe<UpdateConfigInput>;
  ports?: Maybe<PortInput[]>;
  command?: Maybe<string[]>;
  args?: Maybe<string[]>;
  timeoutSeconds?: Maybe<number>;
}

export interface UpdateServiceInput extends ServiceMutationMeta, ServiceSpecFieldsInput {
  service: string;
  /** Only the service's own name: a service cannot be renamed (taken so that a read's spec can be sent back). */
  name?: Maybe<string>;
  /** Only the service's own mode: Docker cannot change it. */
  mode?: Maybe<'REPLICATED' | 'GLOBAL'>;
  replicas?: Maybe<number>;
  image?: Maybe<string>;
  env?: Maybe<string[]>;
  labels?: Maybe<LabelInput[]>;
  constraints?: Maybe<string[]>;
  updateConfig?: Maybe<UpdateConfigInput>;
  rollbackConfig?: Maybe<UpdateConfigInput>;
  ports?: Maybe<PortInput[]>;
  command?: Maybe<string[]>;
  args?: Maybe<string[]>;
  timeoutSeconds?: Maybe<number>;
}

/**
 * The docker CLI's update settings, always sent in full: Docker reads them back the same (it only omits zero
 * durations), so a repeated create compares equal, and an unset FailureAction never reaches Docker.
 */
const DEFAULT_UPDATE_CONFIG: Required<DockerUpdateConfig> = {
  Parallelism: 1,
  Delay: 0,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};

const NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
const MAX_NAME = 63;
const ENV_KEY = /^[^=\s][^=]*$/;
const MAX_REPLICAS = 1000;
const MAX_TIMEOUT_SECONDS = 3600;

/**
 * The operation's input as a job stores it: without the swarm, reason and idempotency key (the job has them
 * already), and without null/absent fields, so GraphQL and REST store the same thing for the same request.
 */
/** What a service job stores: its operation's input without swarm, reason and idempotency key, nulls left out. */
export type ServiceJobInput<T extends ServiceMutationMeta> = Omit<T, keyof ServiceMutationMeta>;

export function jobInputOf<T extends ServiceMutationMeta>(input: T): ServiceJobInput<T> {
  const { swarm: _swarm, reason: _reason, idempotencyKey: _key, dryRun: _dryRun, ...rest } = input;
  return compact(rest) as ServiceJobInput<T>;
}

function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== null && inner !== undefined)
        .map(([key, inner]) => [key, compact(inner)]),
    );
  }
  return value;
}

// ---------------------------------------------------------------- field checks

function serviceName(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || value.length > MAX_NAME) {
    throw badInput(
      `name must be 1-${MAX_NAME} letters, digits, "-" or "_", starting and ending with a letter or digit`,
    );
  }
  return value;
}

function imageRef(value: unknown, field = 'image'): string {
  if (typeof value !== 'string' || !value.trim() || /\s/.test(value)) {
    throw badInput(`${field} must be an image reference such as swarmgate/probe:1 (no spaces)`);
  }
  return value;
}

function envList(value: unknown): string[] {
  const env = strings(value, 'env');
  for (const entry of env) {
    const key = entry.split('=', 1)[0] ?? '';
    if (!entry.includes('=') || !ENV_KEY.test(key)) {
      // Only the key is repeated: a value may be a secret, and errors reach logs and the audit.
      throw badInput(`env entry "${key}..." must be KEY=VALUE with a non-empty KEY`);
    }
  }
  return env;
}

function constraintList(value: unknown): string[] {
  const constraints = strings(value, 'constraints');
  for (const constraint of constraints) {
    if (!/^\s*[^=!\s][^=!]*\s*(==|!=)\s*\S.*$/.test(constraint)) {
      throw badInput(
        `constraint "${constraint}" must be an expression such as node.role==worker or node.labels.zone!=a`,
      );
    }
  }
  return constraints;
}

function timeoutMs(value: unknown, defaultSeconds: number): number {
  if (value === undefined || value === null) return defaultSeconds * 1000;
  return integer(value, 'timeoutSeconds', 1, MAX_TIMEOUT_SECONDS) * 1000;
}

/** How long a job waits for its tasks: the input's timeoutSeconds or the operation's default. */
export function waitLimitMs(input: Record<string, unknown>, defaultSeconds: number): number {
  return timeoutMs(input.timeoutSeconds, defaultSeconds);
}

const FAILURE_ACTIONS = { PAUSE: 'pause', CONTINUE: 'continue', ROLLBACK: 'rollback' } as const;
const ORDERS = { STOP_FIRST: 'stop-first', START_FIRST: 'start-first' } as const;

/** The given settings over `base` (Docker's spelling), every other field kept. */
function updateConfig(
  value: unknown,
  field: 'updateConfig' | 'rollbackConfig',
  base: DockerUpdateConfig,
): DockerUpdateConfig {
  if (!value || typeof value !== 'object') throw badInput(`${field} must be an object`);
  const input = value as UpdateConfigInput;
  const out: DockerUpdateConfig = { ...DEFAULT_UPDATE_CONFIG, ...base };
  if (input.parallelism != null) {
    out.Parallelism = integer(input.parallelism, `${field}.parallelism`, 0, MAX_REPLICAS);
  }
  if (input.delaySeconds != null) out.Delay = seconds(input.delaySeconds, `${field}.delaySeconds`);
  if (input.monitorSeconds != null) out.Monitor = seconds(input.monitorSeconds, `${field}.monitorSeconds`);
  if (input.maxFailureRatio != null) {
    const ratio = input.maxFailureRatio;
    if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
      throw badInput(`${field}.maxFailureRatio must be a number from 0 to 1`);
    }
    out.MaxFailureRatio = ratio;
  }
  if (input.failureAction != null) {
    const action = FAILURE_ACTIONS[input.failureAction];
    if (!action) throw badInput(`${field}.failureAction must be one of PAUSE, CONTINUE, ROLLBACK`);
    // Docker refuses a rollback that would roll back itself.
    if (field === 'rollbackConfig' && action === 'rollback') {
      throw badInput('rollbackConfig.failureAction must be PAUSE or CONTINUE');
    }
    out.FailureAction = action;
  }
  if (input.order != null) {
    const order = ORDERS[input.order];
    if (!order) throw badInput(`${field}.order must be STOP_FIRST or START_FIRST`);
    out.Order = order;
  }
  return out;
}

function portList(value: unknown): DockerPort[] {
  if (!Array.isArray(value)) throw badInput('ports must be a list');
  const seen = new Set<string>();
  return (value as PortInput[]).map((port, index) => {
    const at = `ports[${index}]`;
    const protocol = (port.protocol ?? 'TCP').toLowerCase();
    const mode = (port.publishMode ?? 'INGRESS').toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw badInput(`${at}.protocol must be TCP, UDP or SCTP`);
    if (!['ingress', 'host'].includes(mode)) throw badInput(`${at}.publishMode must be INGRESS or HOST`);
    const out: DockerPort = {
      Protocol: protocol as DockerPort['Protocol'],
      TargetPort: integer(port.targetPort, `${at}.targetPort`, 1, 65535),
      PublishMode: mode as DockerPort['PublishMode'],
    };
    if (port.publishedPort != null) {
      out.PublishedPort = integer(port.publishedPort, `${at}.publishedPort`, 1, 65535);
      const key = `${protocol}/${out.PublishedPort}`;
      if (seen.has(key)) throw badInput(`${at}: published port ${key} is given twice`);
      seen.add(key);
    }
    return out;
  });
}

// ---------------------------------------------------------------- create

/** A service to create, checked, in Docker's terms. */
export interface ServiceDefinition {
  spec: DockerServiceSpec;
  timeoutMs: number;
}

/** Checks a createService input (as stored in the job) and builds the ServiceSpec Docker is sent. */
export function serviceDefinitionOf(input: Record<string, unknown>): ServiceDefinition {
  const name = serviceName(input.name);
  const image = imageRef(input.image);
  const global = input.mode === 'GLOBAL';
  if (input.mode != null && input.mode !== 'GLOBAL' && input.mode !== 'REPLICATED') {
    throw badInput('mode must be REPLICATED or GLOBAL');
  }
  if (global && input.replicas != null) {
    throw badInput('replicas is for REPLICATED services; a GLOBAL service runs one task per node');
  }
  const replicas = input.replicas == null ? 1 : integer(input.replicas, 'replicas', 0, MAX_REPLICAS);

  const container: NonNullable<DockerServiceSpec['TaskTemplate']['ContainerSpec']> = { Image: image };
  if (input.env != null) container.Env = envList(input.env);
  if (input.command != null) container.Command = strings(input.command, 'command');
  if (input.args != null) container.Args = strings(input.args, 'args');

  const spec: DockerServiceSpec = {
    Name: name,
    Labels: input.labels == null ? {} : labelMap(input.labels),
    TaskTemplate: { ContainerSpec: container },
    Mode: global ? { Global: {} } : { Replicated: { Replicas: replicas } },
    UpdateConfig: updateConfig(input.updateConfig ?? {}, 'updateConfig', {}),
    RollbackConfig: updateConfig(input.rollbackConfig ?? {}, 'rollbackConfig', {}),
  };
  if (input.constraints != null) {
    spec.TaskTemplate.Placement = { Constraints: constraintList(input.constraints) };
  }
  if (input.ports != null) spec.EndpointSpec = { Ports: portList(input.ports) };
  applySpecFields(spec, input);
  checkSpecCoherence(spec);
  return { spec, timeoutMs: timeoutMs(input.timeoutSeconds, 120) };
}

/** The settings Docker acts on: its defaults where unset; an unset or zero monitor period means its default. */
function effectiveConfig(value: DockerUpdateConfig | undefined): Required<DockerUpdateConfig> {
  const merged = { ...DEFAULT_UPDATE_CONFIG, ...(value ?? {}) };
  if (!merged.Monitor) merged.Monitor = DEFAULT_UPDATE_CONFIG.Monitor;
  return merged;
}

/**
 * The parts of a spec this gateway sets, with Docker's defaults filled in, so that a spec we sent and the
 * same spec read back (or created by the CLI) compare equal.
 */
function comparable(spec: DockerServiceSpec): unknown {
  const container = spec.TaskTemplate.ContainerSpec ?? {};
  return {
    name: spec.Name,
    labels: spec.Labels ?? {},
    image: container.Image ?? null,
    env: container.Env ?? [],
    command: container.Command ?? [],
    args: container.Args ?? [],
    constraints: spec.TaskTemplate.Placement?.Constraints ?? [],
    mode:
      spec.Mode?.Global !== undefined ? { global: true } : { replicas: spec.Mode?.Replicated?.Replicas ?? 1 },
    update: effectiveConfig(spec.UpdateConfig),
    rollback: effectiveConfig(spec.RollbackConfig),
    ports: (spec.EndpointSpec?.Ports ?? []).map((port) => ({
      protocol: port.Protocol ?? 'tcp',
      target: port.TargetPort ?? 0,
      published: port.PublishedPort ?? 0,
      mode: port.PublishMode ?? 'ingress',
    })),
    ...comparableFields(spec),
  };
}

/** True when `existing` is the service `wanted` describes (what a repeated create finds). */
export function sameServiceSpec(wanted: DockerServiceSpec, existing: DockerServiceSpec): boolean {
  return canonicalJson(comparable(wanted)) === canonicalJson(comparable(existing));
}

/** CONFLICT for a create whose name is taken by a service with another spec, naming what differs. */
export function nameTakenConflict(
  wanted: DockerServiceSpec,
  existing: { ID: string; Spec: DockerServiceSpec },
) {
  const a = comparable(wanted) as Record<string, unknown>;
  const b = comparable(existing.Spec) as Record<string, unknown>;
  const differing = Object.keys(a).filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]));
  return conflict(
    `a service named "${wanted.Name}" already exists (${existing.ID}) with another spec ` +
      `(it differs in ${differing.join(', ') || 'its spec'}); change it with updateService or scaleService, ` +
      'or remove it first',
    { serviceId: existing.ID, differing },
  );
}

// ---------------------------------------------------------------- update

/** The fields updateService takes; each one given replaces its part of the spec (update settings: the ones given). */
const UPDATE_FIELDS = [
  'name',
  'mode',
  'replicas',
  'image',
  'env',
  'labels',
  'constraints',
  'ports',
  'command',
  'args',
  'updateConfig',
  'rollbackConfig',
  ...SPEC_FIELD_NAMES,
] as const;

export interface ServiceChange {
  /** The fields given (not null), as the input has them: applied to the service's spec as it is when the job runs. */
  fields: Record<string, unknown>;
  timeoutMs: number;
}

/** Checks an updateService input (as stored in the job): at least one change, each well formed. */
export function serviceChangeOf(input: Record<string, unknown>): ServiceChange {
  const fields = Object.fromEntries(
    UPDATE_FIELDS.filter((name) => input[name] != null).map((name) => [name, input[name]]),
  );
  if (Object.keys(fields).length === 0) {
    throw badInput(`nothing to update: give one of ${UPDATE_FIELDS.join(', ')}`);
  }
  const change = { fields, timeoutMs: timeoutMs(input.timeoutSeconds, 600) };
  // Every field is checked now, on a stand-in of the service (name and mode as given): the job applies them to
  // the service as it is then.
  applyServiceChange(
    {
      Name: typeof fields.name === 'string' ? fields.name : 'service',
      TaskTemplate: {},
      Mode: fields.mode === 'GLOBAL' ? { Global: {} } : { Replicated: { Replicas: 1 } },
    },
    change,
  );
  return change;
}

/** BAD_INPUT unless the update's name and mode are the service's own: Docker can change neither. */
function checkIdentity(spec: DockerServiceSpec, fields: Record<string, unknown>): void {
  if (fields.name != null && serviceName(fields.name) !== spec.Name) {
    throw badInput(
      `name: a service cannot be renamed (this one is "${spec.Name}"); create another one instead`,
    );
  }
  const global = spec.Mode?.Global !== undefined;
  if (fields.mode != null) {
    if (fields.mode !== 'GLOBAL' && fields.mode !== 'REPLICATED')
      throw badInput('mode must be REPLICATED or GLOBAL');
    if ((fields.mode === 'GLOBAL') !== global) {
      throw badInput(
        `mode: Docker cannot change a service's mode (this one is ${global ? 'GLOBAL' : 'REPLICATED'}); ` +
          'remove the service and create it again',
      );
    }
  }
  if (fields.replicas != null && global) {
    throw badInput('replicas is for REPLICATED services; a GLOBAL service runs one task per node');
  }
}

/** The spec with the change applied; `spec` itself is left as it is. */
export function applyServiceChange(spec: DockerServiceSpec, change: ServiceChange): DockerServiceSpec {
  const fields = change.fields;
  checkIdentity(spec, fields);
  const next = structuredClone(spec);
  const container = (next.TaskTemplate.ContainerSpec ??= {});
  if (fields.replicas != null) {
    next.Mode = { Replicated: { Replicas: integer(fields.replicas, 'replicas', 0, MAX_REPLICAS) } };
  }
  if (fields.image != null) container.Image = imageRef(fields.image);
  if (fields.env != null) container.Env = envList(fields.env);
  if (fields.labels != null) next.Labels = labelMap(fields.labels);
  if (fields.command != null) container.Command = strings(fields.command, 'command');
  if (fields.args != null) container.Args = strings(fields.args, 'args');
  if (fields.constraints != null) {
    (next.TaskTemplate.Placement ??= {}).Constraints = constraintList(fields.constraints);
  }
  if (fields.ports != null) next.EndpointSpec = { ...next.EndpointSpec, Ports: portList(fields.ports) };
  if (fields.updateConfig != null) {
    next.UpdateConfig = updateConfig(fields.updateConfig, 'updateConfig', spec.UpdateConfig ?? {});
  }
  if (fields.rollbackConfig != null) {
    next.RollbackConfig = updateConfig(fields.rollbackConfig, 'rollbackConfig', spec.RollbackConfig ?? {});
  }
  applySpecFields(next, fields);
  checkSpecCoherence(next);
  return next;
}

/**
 * True when Docker would store the same thing for both specs: Docker drops empty lists and zero durations and
 * fills update settings with its defaults, so a spec we sent reads back different but means the same.
 */
export function specsEqual(a: DockerServiceSpec, b: DockerServiceSpec): boolean {
  return canonicalJson(storedForm(a)) === canonicalJson(storedForm(b));
}

function storedForm(original: DockerServiceSpec): unknown {
  const spec = withDockerDefaults(original);
  return withoutEmpties({
    ...spec,
    Mode:
      spec.Mode?.Global !== undefined
        ? { Global: true }
        : { Replicated: { Replicas: spec.Mode?.Replicated?.Replicas ?? 1 } },
    UpdateConfig: effectiveConfig(spec.UpdateConfig),
    RollbackConfig: effectiveConfig(spec.RollbackConfig),
  });
}

function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpties);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([key, inner]) => [key, withoutEmpties(inner)] as const)
      .filter(
        ([, inner]) =>
          inner !== null &&
          inner !== undefined &&
          // Docker leaves false out (omitempty): ReadOnly false and none read back the same.
          inner !== false &&
          !(Array.isArray(inner) && inner.length === 0) &&
          !(typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length === 0),
      );
    return Object.fromEntries(entries);
  }
  return value;
}

// ---------------------------------------------------------------- read back

/** A service's spec as a read shows it: createService's input (without swarm, reason, idempotency key, timeout). */
export type ServiceSpecView = Omit<CreateServiceInput, keyof ServiceMutationMeta | 'timeoutSeconds'>;

const FAILURE_ACTION_NAMES = { pause: 'PAUSE', continue: 'CONTINUE', rollback: 'ROLLBACK' } as const;
const ORDER_NAMES = { 'stop-first': 'STOP_FIRST', 'start-first': 'START_FIRST' } as const;

function updateConfigView(value: DockerUpdateConfig | undefined): UpdateConfigInput {
  const config = effectiveConfig(value);
  return {
    parallelism: config.Parallelism,
    delaySeconds: config.Delay / 1e9,
    failureAction: FAILURE_ACTION_NAMES[config.FailureAction],
    order: ORDER_NAMES[config.Order],
    monitorSeconds: config.Monitor / 1e9,
    maxFailureRatio: config.MaxFailureRatio,
  };
}

/**
 * The spec in createService's terms, so that a read, edited and sent back to createService or updateService, means
 * the same. `networkName` names a network by its ID (the ID stays when it knows none: it resolves too).
 */
export function serviceSpecView(
  spec: DockerServiceSpec,
  networkName?: (id: string) => string,
): ServiceSpecView {
  const container = spec.TaskTemplate.ContainerSpec ?? {};
  const global = spec.Mode?.Global !== undefined;
  const view: ServiceSpecView = {
    name: spec.Name,
    image: container.Image ?? '',
    mode: global ? 'GLOBAL' : 'REPLICATED',
    ...(global ? {} : { replicas: spec.Mode?.Replicated?.Replicas ?? 1 }),
    labels: labelList(spec.Labels),
    updateConfig: updateConfigView(spec.UpdateConfig),
    rollbackConfig: updateConfigView(spec.RollbackConfig),
  };
  if (container.Env?.length) view.env = container.Env;
  if (container.Command?.length) view.command = container.Command;
  if (container.Args?.length) view.args = container.Args;
  if (spec.TaskTemplate.Placement?.Constraints?.length)
    view.constraints = spec.TaskTemplate.Placement.Constraints;
  if (spec.EndpointSpec?.Ports?.length) {
    view.ports = spec.EndpointSpec.Ports.map((port) => {
      const out: PortInput = {
        targetPort: port.TargetPort ?? 0,
        protocol: (port.Protocol ?? 'tcp').toUpperCase() as NonNullable<PortInput['protocol']>,
        publishMode: (port.PublishMode ?? 'ingress').toUpperCase() as NonNullable<PortInput['publishMode']>,
      };
      if (port.PublishedPort) out.publishedPort = port.PublishedPort;
      return out;
    });
  }
  return { ...view, ...specFieldsView(spec, networkName) };
}

// ---------------------------------------------------------------- scale

export function replicasOf(input: Record<string, unknown>): number {
  return integer(input.replicas, 'replicas', 0, MAX_REPLICAS);
}

/**
 * A service as the audit's target, with its version: a resumed job tells its own earlier change (update, scale,
 * rollback) from the state it was asked to change by it.
 */
export function versionedServiceTarget(service: {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string };
}): { serviceId: string; serviceName: string; serviceVersion: number } {
  return { serviceId: service.ID, serviceName: service.Spec.Name, serviceVersion: service.Version.Index };
}
