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

// ServiceSpec of Docker Engine API 1.41, the parts a service (or a stack's service) may set. Durations are in
// nanoseconds, as Docker takes them.

/** A mount of a service's containers (ContainerSpec.Mounts). Swarm services take bind, volume and tmpfs mounts. */
export interface DockerMount {
  Target: string;
  Source?: string;
  Type: 'bind' | 'volume' | 'tmpfs' | 'npipe';
  ReadOnly?: boolean;
  Consistency?: 'default' | 'consistent' | 'cached' | 'delegated';
  BindOptions?: {
    Propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
    NonRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** Where a secret or config appears in the container: a file under /run/secrets (or the root, for configs). */
export interface DockerFileTarget {
  Name: string;
  UID?: string;
  GID?: string;
  Mode?: number;
}

/** A secret given to a service: Docker needs both its ID and its name. */
export interface DockerSecretReference {
  File?: DockerFileTarget;
  SecretID: string;
  SecretName: string;
}

/** A config given to a service: Docker needs both its ID and its name. `Runtime` is for credential specs only. */
export interface DockerConfigReference {
  File?: DockerFileTarget;
  Runtime?: Record<string, never>;
  ConfigID: string;
  ConfigName: string;
}

/** A container health check; durations in nanoseconds. Test ["NONE"] disables the image's own check. */
export interface DockerHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** Security options the swarm's policy gates (CredentialSpec is for Windows hosts). */
export interface DockerPrivileges {
  CredentialSpec?: { Config?: string; File?: string; Registry?: string };
  SELinuxContext?: {
    Disable?: boolean;
    User?: string;
    Role?: string;
    Type?: string;
    Level?: string;
  };
}

export interface DockerUlimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface DockerResourceLimits {
  NanoCPUs?: number;
  MemoryBytes?: number;
  Pids?: number;
}

export interface DockerResourceReservations {
  NanoCPUs?: number;
  MemoryBytes?: number;
  GenericResources?: {
    NamedResourceSpec?: { Kind?: string; Value?: string };
    DiscreteResourceSpec?: { Kind?: string; Value?: number };
  }[];
}

export interface DockerResources {
  Limits?: DockerResourceLimits;
  Reservations?: DockerResourceReservations;
}

export interface DockerRestartPolicy {
  Condition?: 'none' | 'on-failure' | 'any';
  Delay?: number;
  MaxAttempts?: number;
  Window?: number;
}

export interface DockerPlacementPreference {
  Spread?: { SpreadDescriptor: string };
}

export interface DockerPlacement {
  Constraints?: string[];
  Preferences?: DockerPlacementPreference[];
  MaxReplicas?: number;
  Platforms?: { Architecture?: string; OS?: string }[];
}

/** A network a service's tasks join; Target is the network's ID (Docker also accepts its name on create). */
export interface DockerNetworkAttachment {
  Target: string;
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
}

export interface DockerLogDriver {
  Name?: string;
  Options?: Record<string, string>;
}

export interface DockerDNSConfig {
  Nameservers?: string[];
  Search?: string[];
  Options?: string[];
}

export interface DockerContainerSpec {
  Image?: string;
  Labels?: Record<string, string>;
  Command?: string[];
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  Groups?: string[];
  Privileges?: DockerPrivileges;
  TTY?: boolean;
  OpenStdin?: boolean;
  ReadOnly?: boolean;
  Mounts?: DockerMount[];
  StopSignal?: string;
  StopGracePeriod?: number;
  Healthcheck?: DockerHealthcheck;
  Hosts?: string[];
  DNSConfig?: DockerDNSConfig;
  Secrets?: DockerSecretReference[];
  Configs?: DockerConfigReference[];
  Isolation?: 'default' | 'process' | 'hyperv';
  Init?: boolean;
  Sysctls?: Record<string, string>;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Ulimits?: DockerUlimit[];
}

export interface DockerTaskTemplate {
  ContainerSpec?: DockerContainerSpec;
  Resources?: DockerResources;
  RestartPolicy?: DockerRestartPolicy;
  Placement?: DockerPlacement;
  Networks?: DockerNetworkAttachment[];
  LogDriver?: DockerLogDriver;
  ForceUpdate?: number;
  Runtime?: string;
  [key: string]: unknown;
}

export interface DockerEndpointSpec {
  Mode?: 'vip' | 'dnsrr';
  Ports?: DockerPort[];
}

export interface DockerServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: DockerTaskTemplate;
  Mode?: { Replicated?: { Replicas?: number }; Global?: Record<string, never> };
  UpdateConfig?: DockerUpdateConfig;
  RollbackConfig?: DockerUpdateConfig;
  /** Deprecated in the ServiceSpec since 1.44, still read by 1.41: the service's networks, as on the task. */
  Networks?: DockerNetworkAttachment[];
  EndpointSpec?: DockerEndpointSpec;
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

/** An IPAM pool of a network: GET /networks/{id} `IPAM.Config[]`. */
export interface DockerIpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** GET /networks/{id} (and each item of GET /networks). */
export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  /** `swarm` for the swarm's own networks (overlay, ingress), `local` for an engine's (bridge, host, none). */
  Scope: string;
  Driver: string;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: DockerIpamConfig[] | null; Options?: Record<string, string> | null };
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string };
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** POST /networks/create. */
export interface DockerNetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: DockerIpamConfig[]; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** The spec of a secret; `Data` (base64) is write-only: Docker never sends it back. */
export interface DockerSecretSpec {
  Name: string;
  Labels?: Record<string, string>;
  Data?: string;
  Driver?: { Name: string; Options?: Record<string, string> };
  Templating?: { Name: string; Options?: Record<string, string> };
}

/** GET /secrets/{id}. */
export interface DockerSecret {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: DockerSecretSpec;
}

/** The spec of a config; `Data` (base64) is sent back by Docker, but the gateway never shows it. */
export interface DockerConfigSpec {
  Name: string;
  Labels?: Record<string, string>;
  Data?: string;
  Templating?: { Name: string; Options?: Record<string, string> };
}

/** GET /configs/{id}. */
export interface DockerConfig {
  ID: string;
  Version: DockerVersion;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: DockerConfigSpec;
}
