// Shapes Docker's objects, swarms, jobs and audit events into the API's views, the same for GraphQL and REST (enums
// upper-case, labels as pairs). JSON values (a job's parameters and result...) stay values: REST sends them as they
// are, GraphQL as JSON text (src/graphql/resolvers/json-fields.ts).
import type { AuditEvent, AuditPhase } from '../audit/types.ts';
import type { JobRecord, JobState } from '../jobs/types.ts';
import type { JobApproval } from '../domain/approval-policy.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { DockerInfoSwarm, DockerNode, DockerPort, DockerService, DockerTask } from '../docker/types.ts';
import { serviceSpecView, type ServiceSpecView } from '../domain/service-spec.ts';

export interface Label {
  key: string;
  value: string;
}

export function labelsOf(labels: Record<string, string> | undefined): Label[] {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}

const upper = <T extends string>(value: T) => value.toUpperCase() as Uppercase<T>;
const nsToSeconds = (ns: number | undefined) => (ns === undefined ? null : ns / 1e9);

export interface SwarmView {
  id: string;
  name: string;
  tenant: string;
  clusterId: string | null;
  labels: Label[];
  endpoints: string[];
  createdAt: string;
  updatedAt: string;
}

export function toSwarmView(swarm: SwarmRecord): SwarmView {
  return {
    id: swarm.id,
    name: swarm.name,
    tenant: swarm.tenant,
    clusterId: swarm.clusterId,
    labels: labelsOf(swarm.labels),
    endpoints: swarm.endpointUrls,
    createdAt: swarm.createdAt.toISOString(),
    updatedAt: swarm.updatedAt.toISOString(),
  };
}

export interface SwarmInfoView {
  nodeId: string;
  nodeAddress: string;
  clusterId: string | null;
  isManager: boolean;
  localNodeState: string;
  managers: number | null;
  nodes: number | null;
  raftSnapshotInterval: number | null;
  raftKeepOldSnapshots: number | null;
  raftLogEntriesForSlowFollowers: number | null;
  heartbeatTick: number | null;
  electionTick: number | null;
  dispatcherHeartbeatPeriodSeconds: number | null;
  caNodeCertExpirySeconds: number | null;
  taskHistoryRetentionLimit: number | null;
  autolock: boolean;
  dataPathPort: number | null;
  defaultAddrPool: string[];
  subnetSize: number | null;
  rootRotationInProgress: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

/** The `Swarm:` block of `docker info` as the answering manager sees it. */
export function toSwarmInfoView(info: DockerInfoSwarm): SwarmInfoView {
  const cluster = info.Cluster;
  const spec = cluster?.Spec;
  return {
    nodeId: info.NodeID,
    nodeAddress: info.NodeAddr,
    clusterId: cluster?.ID ?? null,
    isManager: info.ControlAvailable,
    localNodeState: upper(info.LocalNodeState || 'inactive'),
    managers: info.Managers ?? null,
    nodes: info.Nodes ?? null,
    raftSnapshotInterval: spec?.Raft?.SnapshotInterval ?? null,
    raftKeepOldSnapshots: spec?.Raft?.KeepOldSnapshots ?? null,
    raftLogEntriesForSlowFollowers: spec?.Raft?.LogEntriesForSlowFollowers ?? null,
    heartbeatTick: spec?.Raft?.HeartbeatTick ?? null,
    electionTick: spec?.Raft?.ElectionTick ?? null,
    dispatcherHeartbeatPeriodSeconds: nsToSeconds(spec?.Dispatcher?.HeartbeatPeriod),
    caNodeCertExpirySeconds: nsToSeconds(spec?.CAConfig?.NodeCertExpiry),
    taskHistoryRetentionLimit: spec?.Orchestration?.TaskHistoryRetentionLimit ?? null,
    autolock: spec?.EncryptionConfig?.AutoLockManagers ?? false,
    dataPathPort: cluster?.DataPathPort ?? null,
    defaultAddrPool: cluster?.DefaultAddrPool ?? [],
    subnetSize: cluster?.SubnetSize ?? null,
    rootRotationInProgress: cluster?.RootRotationInProgress ?? false,
    createdAt: cluster?.CreatedAt ?? null,
    updatedAt: cluster?.UpdatedAt ?? null,
  };
}

export interface QuorumView {
  managers: number;
  reachable: number;
  needed: number;
  tolerates: number;
  hasQuorum: boolean;
}

/** Raft needs a majority of managers; `tolerates` is how many more may fail before quorum is lost. */
export function quorumOf(nodes: readonly DockerNode[]): QuorumView {
  const managers = nodes.filter((node) => node.Spec.Role === 'manager' && node.ManagerStatus);
  const reachable = managers.filter((node) => node.ManagerStatus?.Reachability === 'reachable').length;
  const needed = Math.floor(managers.length / 2) + 1;
  return {
    managers: managers.length,
    reachable,
    needed,
    tolerates: Math.max(0, reachable - needed),
    hasQuorum: reachable >= needed,
  };
}

export interface NodeView {
  id: string;
  swarmId: string;
  hostname: string;
  role: 'MANAGER' | 'WORKER';
  availability: 'ACTIVE' | 'PAUSE' | 'DRAIN';
  state: 'UNKNOWN' | 'DOWN' | 'READY' | 'DISCONNECTED';
  statusMessage: string | null;
  address: string | null;
  leader: boolean;
  /** Empty for workers, as in `docker node ls`. */
  managerStatus: 'LEADER' | 'REACHABLE' | 'UNREACHABLE' | 'UNKNOWN' | null;
  managerAddress: string | null;
  engineVersion: string | null;
  platform: { os: string | null; architecture: string | null };
  resources: { cpus: number | null; nanoCpus: number | null; memoryBytes: number | null };
  labels: Label[];
  engineLabels: Label[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toNodeView(swarmId: string, node: DockerNode): NodeView {
  const manager = node.ManagerStatus;
  const nanoCpus = node.Description?.Resources?.NanoCPUs ?? null;
  return {
    id: node.ID,
    swarmId,
    hostname: node.Description?.Hostname ?? node.ID,
    role: upper(node.Spec.Role),
    availability: upper(node.Spec.Availability),
    state: upper(node.Status.State),
    statusMessage: node.Status.Message || null,
    address: node.Status.Addr ?? null,
    leader: manager?.Leader === true,
    managerStatus: manager ? (manager.Leader ? 'LEADER' : upper(manager.Reachability)) : null,
    managerAddress: manager?.Addr ?? null,
    engineVersion: node.Description?.Engine?.EngineVersion ?? null,
    platform: {
      os: node.Description?.Platform?.OS ?? null,
      architecture: node.Description?.Platform?.Architecture ?? null,
    },
    resources: {
      cpus: nanoCpus === null ? null : nanoCpus / 1e9,
      nanoCpus,
      memoryBytes: node.Description?.Resources?.MemoryBytes ?? null,
    },
    labels: labelsOf(node.Spec.Labels),
    engineLabels: labelsOf(node.Description?.Engine?.Labels),
    version: node.Version.Index,
    createdAt: node.CreatedAt,
    updatedAt: node.UpdatedAt,
  };
}

export interface PortView {
  protocol: string;
  targetPort: number | null;
  publishedPort: number | null;
  publishMode: string | null;
}

const toPortView = (port: DockerPort): PortView => ({
  protocol: upper(port.Protocol ?? 'tcp'),
  targetPort: port.TargetPort ?? null,
  publishedPort: port.PublishedPort ?? null,
  publishMode: port.PublishMode ? upper(port.PublishMode) : null,
});

export interface UpdateStatusView {
  state: string;
  message: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface ServiceView {
  id: string;
  swarmId: string;
  name: string;
  mode: 'REPLICATED' | 'GLOBAL';
  /** Desired replicas; null for global services. */
  replicas: number | null;
  runningTasks: number;
  desiredTasks: number;
  image: string | null;
  updateStatus: UpdateStatusView | null;
  ports: PortView[];
  labels: Label[];
  constraints: string[];
  /** The whole spec in createService's terms (networks named through `networkName` of toServiceView). */
  spec: ServiceSpecView;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** `tasks` are this service's tasks; running and desired counts are taken from them, as `docker service ls` does. */
export function toServiceView(
  swarmId: string,
  service: DockerService,
  tasks: readonly DockerTask[],
  networkName?: (id: string) => string,
): ServiceView {
  const global = service.Spec.Mode?.Global !== undefined;
  const live = tasks.filter((task) => task.DesiredState === 'running');
  const running = live.filter((task) => task.Status.State === 'running').length;
  const replicas = global ? null : (service.Spec.Mode?.Replicated?.Replicas ?? 1);
  const status = service.UpdateStatus;
  return {
    id: service.ID,
    swarmId,
    name: service.Spec.Name,
    mode: global ? 'GLOBAL' : 'REPLICATED',
    replicas,
    runningTasks: running,
    desiredTasks: replicas ?? live.length,
    image: service.Spec.TaskTemplate.ContainerSpec?.Image ?? null,
    updateStatus: status?.State
      ? {
          state: upper(status.State),
          message: status.Message ?? null,
          startedAt: status.StartedAt ?? null,
          completedAt: status.CompletedAt ?? null,
        }
      : null,
    ports: (service.Endpoint?.Ports ?? service.Spec.EndpointSpec?.Ports ?? []).map(toPortView),
    labels: labelsOf(service.Spec.Labels),
    constraints: service.Spec.TaskTemplate.Placement?.Constraints ?? [],
    spec: serviceSpecView(service.Spec, networkName),
    version: service.Version.Index,
    createdAt: service.CreatedAt,
    updatedAt: service.UpdatedAt,
  };
}

export interface TaskView {
  id: string;
  swarmId: string;
  serviceId: string;
  nodeId: string | null;
  slot: number | null;
  state: string;
  desiredState: string;
  message: string | null;
  error: string | null;
  image: string | null;
  containerId: string | null;
  exitCode: number | null;
  timestamp: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toTaskView(swarmId: string, task: DockerTask): TaskView {
  return {
    id: task.ID,
    swarmId,
    serviceId: task.ServiceID,
    nodeId: task.NodeID || null,
    slot: task.Slot ?? null,
    state: upper(task.Status.State),
    desiredState: upper(task.DesiredState),
    message: task.Status.Message || null,
    error: task.Status.Err || null,
    image: task.Spec.ContainerSpec?.Image ?? null,
    containerId: task.Status.ContainerStatus?.ContainerID || null,
    exitCode: task.Status.ContainerStatus?.ExitCode ?? null,
    timestamp: task.Status.Timestamp ?? null,
    version: task.Version.Index,
    createdAt: task.CreatedAt,
    updatedAt: task.UpdatedAt,
  };
}

/** A job as both doors show it: its state upper-case, who asked without their roles, JSON values as they are. */
export type JobView = Pick<
  JobRecord,
  | 'id'
  | 'type'
  | 'progress'
  | 'tenant'
  | 'swarmId'
  | 'swarmName'
  | 'target'
  | 'parameters'
  | 'reason'
  | 'forced'
  | 'errorCode'
  | 'errorMessage'
  | 'attempts'
  | 'operationId'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'updatedAt'
> & {
  state: Uppercase<JobState>;
  requestedBy: Pick<JobRecord['requestedBy'], 'sub' | 'actors' | 'source'>;
  /** What the job produced (any JSON), or null. */
  result: unknown;
  /** What a planning job (stack.deploy) found it will do: its result's `plan`, or a dry run's plan, or null. */
  plan: unknown;
  /** True for a dry run's answer: a plan, neither stored nor queued (`job(id)` does not find it). */
  dryRun: boolean;
  /** What the job waits for, or waited for, when the tenant's approval policy matched it; else null. */
  approvals: JobApproval | null;
};

/** The plan a job's result carries (stack.deploy: `{ plan, applied }`), or null. */
function planOf(result: unknown): unknown {
  return result && typeof result === 'object' && 'plan' in result ? result.plan : null;
}

export function toJobView(job: JobRecord): JobView {
  return {
    id: job.id,
    type: job.type,
    state: upper(job.state),
    progress: job.progress,
    tenant: job.tenant,
    swarmId: job.swarmId,
    swarmName: job.swarmName,
    target: job.target,
    parameters: job.parameters,
    reason: job.reason,
    forced: job.forced,
    requestedBy: { sub: job.requestedBy.sub, actors: job.requestedBy.actors, source: job.requestedBy.source },
    result: job.result ?? null,
    plan: job.plan !== undefined ? job.plan : planOf(job.result),
    dryRun: job.dryRun === true,
    approvals: job.approval ?? null,
    errorCode: job.errorCode,
    errorMessage: job.errorMessage,
    attempts: job.attempts,
    operationId: job.operationId,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

/**
 * An audit event as both doors show it: its outcome upper-case, who asked and what about as objects (the target's
 * names only), JSON values as they are. (A type, not an interface, so that it is a record fastify's serialisers
 * accept.)
 */
export type AuditEventView = Pick<
  AuditEvent,
  | 'id'
  | 'seq'
  | 'tenant'
  | 'tenantSeq'
  | 'occurredAt'
  | 'operationId'
  | 'action'
  | 'parameters'
  | 'reason'
  | 'forced'
  | 'errorCode'
  | 'errorMessage'
  | 'jobId'
  | 'prevHash'
  | 'hash'
> & {
  outcome: Uppercase<AuditPhase>;
  actor: { sub: string } & Pick<
    AuditEvent,
    'actors' | 'roles' | 'source' | 'clientAddress' | 'userAgent' | 'requestId'
  >;
  target: Record<
    'swarmId' | 'swarmName' | 'nodeId' | 'nodeName' | 'serviceId' | 'serviceName',
    string | null
  >;
  /** What the outcome recorded (any JSON), or null. */
  result: unknown;
};

const nameOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function toAuditEventView(event: AuditEvent): AuditEventView {
  return {
    id: event.id,
    seq: event.seq,
    tenant: event.tenant,
    tenantSeq: event.tenantSeq,
    occurredAt: event.occurredAt,
    operationId: event.operationId,
    outcome: upper(event.phase),
    action: event.action,
    actor: {
      sub: event.principalSub,
      actors: event.actors,
      roles: event.roles,
      source: event.source,
      clientAddress: event.clientAddress,
      userAgent: event.userAgent,
      requestId: event.requestId,
    },
    target: {
      swarmId: nameOf(event.target.swarmId),
      swarmName: nameOf(event.target.swarmName),
      nodeId: nameOf(event.target.nodeId),
      nodeName: nameOf(event.target.nodeName),
      serviceId: nameOf(event.target.serviceId),
      serviceName: nameOf(event.target.serviceName),
    },
    parameters: event.parameters,
    reason: event.reason,
    forced: event.forced,
    errorCode: event.errorCode,
    errorMessage: event.errorMessage,
    jobId: event.jobId,
    result: event.result ?? null,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}
