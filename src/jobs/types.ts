// A job: one operation on a swarm, queued, run by a worker, observable through its state and progress. Every job
// type is named here with its input (what the operation stores, sealed) and its result (what the job answers).
import type { AuditTarget } from '../audit/types.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import type { CreateServiceInput, ServiceJobInput, UpdateServiceInput } from '../domain/service-spec.ts';
import type { ErrorCode } from '../errors.ts';
import type { StackPlan } from '../domain/stack-plan.ts';
import type { MaintenanceJobInput } from '../domain/maintenance.ts';
import type { JobApproval } from '../domain/approval-policy.ts';
import type {
  ConfigCreateJobInput,
  NetworkCreateJobInput,
  ObjectRefJobInput,
  SecretCreateJobInput,
  SecretRotateJobInput,
} from '../domain/swarm-objects.ts';

export type JoinRole = 'worker' | 'manager';

/** swarm.init: stored sealed (the endpoint's TLS key). The tenant is the job's own. */
export type SwarmInitJobInput = {
  name: string;
  endpoint: EngineEndpoint;
  advertiseAddress: string | null;
  listenAddress: string | null;
  autolock: boolean;
  certExpirySeconds: number | null;
  labels: Record<string, string>;
};

/** swarm.join: stored sealed; the endpoint's TLS key is in here, and shown redacted everywhere else. */
export type SwarmJoinNodeJobInput = {
  endpoint: EngineEndpoint;
  role: JoinRole;
  advertiseAddress: string | null;
  listenAddress: string | null;
};

/** swarm.leave: stored sealed (the endpoint's TLS key); the node comes from the job's target. */
export type SwarmLeaveJobInput = { node: string; endpoint: EngineEndpoint; force: boolean };

/** swarm.joinToken.rotate: the role only, never a token. */
export type SwarmRotateJoinTokenJobInput = { role: JoinRole };

/** node.activate, node.pause, node.drain (timeoutSeconds: drain only). */
export type NodeAvailabilityJobInput = { node: string; availability: string; timeoutSeconds?: number };

/** node.promote, node.demote, node.remove. */
export type NodeForceJobInput = { node: string; force: boolean };

/** node.labels.update: keys trimmed, values defaulted to "", removals deduplicated. */
export type LabelChange = { add: { key: string; value: string }[]; remove: string[] };
export type NodeLabelsJobInput = { node: string } & LabelChange;

export type ServiceCreateJobInput = ServiceJobInput<CreateServiceInput>;
export type ServiceUpdateJobInput = ServiceJobInput<UpdateServiceInput>;
export type ServiceScaleJobInput = { service: string; replicas: number; timeoutSeconds?: number | null };
export type ServiceRollbackJobInput = { service: string; timeoutSeconds?: number | null };
export type ServiceRemoveJobInput = { service: string };

/**
 * stack.deploy: stored sealed (env values may be secrets). Its parameters (job row, audit) keep the env keys only and
 * the compose text's sha256 and size (src/audit/redact.ts), never the text.
 */
export type StackDeployJobInput = {
  name: string;
  compose: string;
  env: string[];
  prune: boolean;
  dryRun: boolean;
  timeoutSeconds?: number;
};
/** What stack.deploy did to one service. */
export type StackServiceOutcome = {
  name: string;
  serviceId: string;
  action: 'created' | 'updated' | 'unchanged';
  runningTasks: number;
  desiredTasks: number;
};
export type StackDeployResult = {
  stack: string;
  plan: StackPlan;
  applied: boolean;
  services?: StackServiceOutcome[];
  removed?: { kind: string; name: string }[];
};

/** stack.remove: the stack's name (checked); how long networks may stay in use by tasks still stopping. */
export type StackRemoveJobInput = { name: string; timeoutSeconds?: number };
/** One object stack.remove removed, in the order it removed them. */
export type StackRemovedObject = {
  kind: 'service' | 'network' | 'secret' | 'config';
  id: string;
  name: string;
};

/** network.*, secret.*, config.*: networks, secrets and configs (domain/swarm-objects.ts). */
type ObjectCreateResult = { id: string; name: string; created: boolean };
type ObjectRemoveResult = { id?: string; name?: string; removed: boolean; message?: string };
export type SecretRotateResult = {
  oldSecretId: string;
  oldSecretName: string;
  newSecretId: string;
  newSecretName: string;
  /** The services moved to the new secret, by name. */
  services: string[];
  oldRemoved: boolean;
};

/** swarm.maintenance: every node of the plan as the job left it (the per-node record, jobs/maintenance-store.ts). */
export type MaintenanceResult = {
  nodes: {
    node: string;
    hostname: string;
    role: 'worker' | 'manager';
    state: string;
    startedAt: string | null;
    endedAt: string | null;
  }[];
};

type AvailabilityResult = { availability: string; changed: boolean; previous: string; tasksMoved?: number };
type ServiceRolloutResult = { serviceId: string; [more: string]: unknown };

/** Every job type (the operation's audit action, which picks the processor), with its input and its result. */
export interface JobTypes {
  'swarm.init': {
    input: SwarmInitJobInput;
    result: { swarmId: string; swarmName: string; clusterId: string | null; nodeId: string };
  };
  'swarm.join': {
    input: SwarmJoinNodeJobInput;
    result: { nodeId: string; nodeName: string; role: JoinRole };
  };
  'swarm.leave': { input: SwarmLeaveJobInput; result: { nodeId: string; nodeName: string } };
  'swarm.joinToken.rotate': {
    input: SwarmRotateJoinTokenJobInput;
    result: { role: JoinRole; rotated: boolean; resumed?: boolean };
  };
  'node.activate': { input: NodeAvailabilityJobInput; result: AvailabilityResult };
  'node.pause': { input: NodeAvailabilityJobInput; result: AvailabilityResult };
  'node.drain': { input: NodeAvailabilityJobInput; result: AvailabilityResult };
  'node.promote': { input: NodeForceJobInput; result: Record<string, unknown> };
  'node.demote': { input: NodeForceJobInput; result: Record<string, unknown> };
  'node.labels.update': {
    input: NodeLabelsJobInput;
    result: { changed: boolean; labels: Record<string, string> };
  };
  'node.remove': {
    input: NodeForceJobInput;
    result: { removed: boolean; alreadyGone: boolean; state?: string };
  };
  'service.create': { input: ServiceCreateJobInput; result: ServiceRolloutResult };
  'service.update': { input: ServiceUpdateJobInput; result: ServiceRolloutResult };
  'service.scale': {
    input: ServiceScaleJobInput;
    result: { serviceId: string; replicas: number; previousReplicas: number | null; changed: boolean };
  };
  'service.rollback': { input: ServiceRollbackJobInput; result: ServiceRolloutResult };
  'service.remove': {
    input: ServiceRemoveJobInput;
    result: { serviceId?: string; removed: boolean; message?: string };
  };
  'stack.deploy': { input: StackDeployJobInput; result: StackDeployResult };
  'stack.remove': {
    input: StackRemoveJobInput;
    result: { stack: string; removed: StackRemovedObject[]; message?: string };
  };
  'network.create': { input: NetworkCreateJobInput; result: ObjectCreateResult };
  'network.remove': { input: ObjectRefJobInput; result: ObjectRemoveResult };
  'secret.create': { input: SecretCreateJobInput; result: ObjectCreateResult };
  'secret.remove': { input: ObjectRefJobInput; result: ObjectRemoveResult };
  'secret.rotate': { input: SecretRotateJobInput; result: SecretRotateResult };
  'config.create': { input: ConfigCreateJobInput; result: ObjectCreateResult };
  'config.remove': { input: ObjectRefJobInput; result: ObjectRemoveResult };
  'swarm.maintenance': { input: MaintenanceJobInput; result: MaintenanceResult };
}

export type JobType = keyof JobTypes;
export type JobInput<T extends JobType> = JobTypes[T]['input'];
export type JobResult<T extends JobType> = JobTypes[T]['result'];

const JOB_TYPES: ReadonlySet<string> = new Set<JobType>([
  'swarm.init',
  'swarm.join',
  'swarm.leave',
  'swarm.joinToken.rotate',
  'node.activate',
  'node.pause',
  'node.drain',
  'node.promote',
  'node.demote',
  'node.labels.update',
  'node.remove',
  'service.create',
  'service.update',
  'service.scale',
  'service.rollback',
  'service.remove',
  'stack.deploy',
  'stack.remove',
  'network.create',
  'network.remove',
  'secret.create',
  'secret.remove',
  'secret.rotate',
  'config.create',
  'config.remove',
  'swarm.maintenance',
]);

/** A job type this gateway knows (a row written by another version may name one it does not). */
export function isJobType(type: string): type is JobType {
  return JOB_TYPES.has(type);
}

/** `awaiting_approval`: a rule of the tenant's approval policy matched; queued once approved (src/jobs/approvals.ts). */
export type JobState = 'awaiting_approval' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

export interface JobProgress {
  percent: number;
  step: string | null;
  message: string | null;
}

export interface JobRecord {
  id: string;
  tenant: string;
  /** The operation, as the audit names it (node.drain, service.update...). */
  type: JobType;
  state: JobState;
  swarmId: string | null;
  swarmName: string | null;
  target: AuditTarget;
  /** The input with secrets removed. */
  parameters: Record<string, unknown>;
  reason: string | null;
  forced: boolean;
  operationId: string;
  requestedBy: { sub: string; actors: string[]; roles: string[]; source: string };
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  idempotencyKey: string | null;
  progress: JobProgress;
  result: unknown;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  attempts: number;
  cancelRequested: boolean;
  /** What the job waits for, or waited for, when a rule of the approval policy matched it; else null. */
  approval?: JobApproval | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** A dry run's answer (src/operations/plan-job.ts): never stored nor queued; its id is `plan:<uuid>`. */
  dryRun?: boolean;
  /** A dry run's plan (src/operations/plans.ts); a planning job's is in its result. */
  plan?: unknown;
}
