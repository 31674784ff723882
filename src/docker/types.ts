// The subset of Docker Engine API 1.41 objects the gateway reads, typed (dockerode returns them untyped).

export interface DockerVersion {
  Index: number;
}

export interface DockerNode {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: {
    Name?: string;
    Labels?: Record<string, string>;
    Role: 'worker' | 'manager';
    Availability: 'active' | 'pause' | 'drain';
  };
  Description?: {
    Hostname?: string;
    Platform?: { Architecture?: string; OS?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string; Labels?: Record<string, string> };
  };
  Status: { State: 'unknown' | 'down' | 'ready' | 'disconnected'; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability: 'unknown' | 'unreachable' | 'reachable'; Addr?: string };
}

export interface DockerPort {
  Name?: string;
  Protocol?: 'tcp' | 'udp' | 'sctp';
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface DockerUpdateConfig {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface DockerServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec?: {
      Image?: string;
      Env?: string[];
      Labels?: Record<string, string>;
      Command?: string[];
      Args?: string[];
    };
    Placement?: { Constraints?: string[] };
    ForceUpdate?: number;
    [key: string]: unknown;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: Record<string, never> };
  UpdateConfig?: DockerUpdateConfig;
  RollbackConfig?: DockerUpdateConfig;
  EndpointSpec?: { Mode?: 'vip' | 'dnsrr'; Ports?: DockerPort[] };
  [key: string]: unknown;
}

export interface DockerService {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: DockerServiceSpec;
  PreviousSpec?: DockerServiceSpec;
  Endpoint?: { Ports?: DockerPort[] };
  UpdateStatus?: {
    State?:
      'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';
    StartedAt?: string;
    CompletedAt?: string;
    Message?: string;
  };
}

export type DockerTaskState =
  | 'new'
  | 'allocated'
  | 'pending'
  | 'assigned'
  | 'accepted'
  | 'preparing'
  | 'ready'
  | 'starting'
  | 'running'
  | 'complete'
  | 'shutdown'
  | 'failed'
  | 'rejected'
  | 'remove'
  | 'orphaned';

export interface DockerTask {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Labels?: Record<string, string>;
  Spec: { ContainerSpec?: { Image?: string } };
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  Status: {
    Timestamp?: string;
    State: DockerTaskState;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  };
  DesiredState: DockerTaskState;
}

export interface DockerSwarmSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Orchestration?: { TaskHistoryRetentionLimit?: number };
  Raft?: {
    SnapshotInterval?: number;
    KeepOldSnapshots?: number;
    LogEntriesForSlowFollowers?: number;
    ElectionTick?: number;
    HeartbeatTick?: number;
  };
  Dispatcher?: { HeartbeatPeriod?: number };
  CAConfig?: { NodeCertExpiry?: number };
  EncryptionConfig?: { AutoLockManagers?: boolean };
  [key: string]: unknown;
}

export interface DockerSwarm {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: DockerSwarmSpec;
  JoinTokens?: { Worker: string; Manager: string };
  RootRotationInProgress?: boolean;
  DataPathPort?: number;
  DefaultAddrPool?: string[];
  SubnetSize?: number;
}

/** The `Swarm` block of GET /info, as `docker info` prints it. */
export interface DockerInfoSwarm {
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked' | '';
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers: { NodeID: string; Addr: string }[] | null;
  Nodes?: number;
  Managers?: number;
  Cluster?: Omit<DockerSwarm, 'JoinTokens'>;
}

export interface DockerInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  OperatingSystem?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  Swarm: DockerInfoSwarm;
}
