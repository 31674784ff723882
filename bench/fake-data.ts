// Generated swarm objects for the simulated Docker Engine API: nodes, services and tasks shaped (and sized) like
// what Engine API 1.41 sends, deterministic for a given swarm name so that runs compare.
import { createHash } from 'node:crypto';

export interface FakeSwarmSpec {
  /** Swarm name as the gateway registers it; also the seed of every generated id. */
  name: string;
  /** Absolute path of the unix socket the engine listens on. */
  socket: string;
  nodes: number;
  tasks: number;
}

export interface FakeSwarmData {
  clusterId: string;
  /** The node the "engine" answering on the socket is (a manager, the leader). */
  selfNodeId: string;
  nodes: Record<string, unknown>[];
  services: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  swarm: Record<string, unknown>;
  info: Record<string, unknown>;
}

const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const ENGINE_VERSION = '20.10.24+dfsg1';
const IMAGE = 'swarmgate/probe:1@sha256:' + 'b'.repeat(64);
// A node's TLSInfo carries the swarm's root CA and the issuer's key: most of a real node's bytes.
const TRUST_ROOT =
  '-----BEGIN CERTIFICATE-----\n' +
  Array.from({ length: 9 }, () => 'M'.repeat(64)).join('\n') +
  '\n-----END CERTIFICATE-----\n';
const PLUGINS = [
  ['Log', 'awslogs'],
  ['Log', 'fluentd'],
  ['Log', 'journald'],
  ['Log', 'json-file'],
  ['Log', 'local'],
  ['Network', 'bridge'],
  ['Network', 'host'],
  ['Network', 'overlay'],
  ['Volume', 'local'],
].map(([Type, Name]) => ({ Type, Name }));

/** A Docker-style object id (25 lowercase characters), stable for a seed. */
export function fakeId(seed: string, length = 25): string {
  let out = '';
  for (let round = 0; out.length < length; round += 1) {
    out += BigInt('0x' + createHash('sha256').update(`${seed}/${round}`).digest('hex')).toString(36);
  }
  return out.slice(0, length);
}

/** A 64-hex-digit id, as Docker's container ids. */
const fakeHex = (seed: string) => createHash('sha256').update(seed).digest('hex');

const at = (offsetSeconds: number) => new Date(EPOCH + offsetSeconds * 1000).toISOString();

/** How many services a swarm of this many tasks gets: about 100 tasks each, at least 5. */
export const servicesFor = (tasks: number) => Math.max(5, Math.round(tasks / 100));

export function generateSwarm(spec: FakeSwarmSpec): FakeSwarmData {
  const clusterId = fakeId(`${spec.name}/cluster`);
  const managers = Math.min(3, spec.nodes);
  const nodes = Array.from({ length: spec.nodes }, (_, index) =>
    fakeNode(spec.name, index, index < managers),
  );
  const serviceCount = servicesFor(spec.tasks);
  const services = Array.from({ length: serviceCount }, (_, index) =>
    fakeService(spec.name, index, Math.ceil(spec.tasks / serviceCount)),
  );
  const tasks: Record<string, unknown>[] = [];
  for (let index = 0; index < spec.tasks; index += 1) {
    const service = services[index % serviceCount]!;
    const node = nodes[index % nodes.length]!;
    tasks.push(fakeTask(spec.name, index, service, node, Math.floor(index / serviceCount) + 1));
  }
  const swarm = {
    ID: clusterId,
    Version: { Index: 10 },
    CreatedAt: at(0),
    UpdatedAt: at(60),
    Spec: {
      Name: 'default',
      Labels: {},
      Orchestration: { TaskHistoryRetentionLimit: 5 },
      Raft: {
        SnapshotInterval: 10000,
        KeepOldSnapshots: 0,
        LogEntriesForSlowFollowers: 500,
        ElectionTick: 10,
        HeartbeatTick: 1,
      },
      Dispatcher: { HeartbeatPeriod: 5_000_000_000 },
      CAConfig: { NodeCertExpiry: 7_776_000_000_000_000 },
      TaskDefaults: {},
      EncryptionConfig: { AutoLockManagers: false },
    },
    TLSInfo: {
      TrustRoot: TRUST_ROOT,
      CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh',
      CertIssuerPublicKey: 'A'.repeat(124),
    },
    RootRotationInProgress: false,
    DefaultAddrPool: ['10.0.0.0/8'],
    SubnetSize: 24,
    DataPathPort: 4789,
    JoinTokens: {
      Worker: `SWMTKN-1-${fakeId(`${spec.name}/ca`, 50)}-${fakeId(`${spec.name}/worker`)}`,
      Manager: `SWMTKN-1-${fakeId(`${spec.name}/ca`, 50)}-${fakeId(`${spec.name}/manager`)}`,
    },
  };
  const self = nodes[0]!;
  const { JoinTokens: _tokens, ...cluster } = swarm;
  const info = {
    ID: fakeId(`${spec.name}/engine`, 36),
    Name: `${spec.name}-n0000`,
    ServerVersion: ENGINE_VERSION,
    OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
    Architecture: 'x86_64',
    NCPU: 4,
    MemTotal: 8 * 1024 ** 3,
    Swarm: {
      NodeID: self.ID,
      NodeAddr: managerAddress(spec.name, 0),
      LocalNodeState: 'active',
      ControlAvailable: true,
      Error: '',
      RemoteManagers: nodes
        .slice(0, managers)
        .map((node, index) => ({ NodeID: node.ID, Addr: `${managerAddress(spec.name, index)}:2377` })),
      Nodes: spec.nodes,
      Managers: managers,
      Cluster: cluster,
    },
  };
  return { clusterId, selfNodeId: self.ID, nodes, services, tasks, swarm, info };
}

function managerAddress(swarm: string, index: number): string {
  const octet = parseInt(fakeId(`${swarm}/net`, 2), 36) % 250;
  return `10.${octet}.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

function fakeNode(swarm: string, index: number, manager: boolean) {
  const address = managerAddress(swarm, index);
  return {
    ID: fakeId(`${swarm}/node/${index}`),
    Version: { Index: 100 + index },
    CreatedAt: at(index),
    UpdatedAt: at(3600 + index),
    Spec: {
      Labels: { zone: `zone-${index % 3}`, rack: `r${index % 40}` },
      Role: manager ? 'manager' : 'worker',
      Availability: 'active',
    },
    Description: {
      Hostname: `${swarm}-n${String(index).padStart(4, '0')}`,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: 4_000_000_000, MemoryBytes: 8 * 1024 ** 3 },
      Engine: { EngineVersion: ENGINE_VERSION, Labels: { 'com.example.pool': 'bench' }, Plugins: PLUGINS },
      TLSInfo: {
        TrustRoot: TRUST_ROOT,
        CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh',
        CertIssuerPublicKey: 'A'.repeat(124),
      },
    },
    Status: { State: 'ready', Addr: address },
    ...(manager
      ? { ManagerStatus: { Leader: index === 0, Reachability: 'reachable', Addr: `${address}:2377` } }
      : {}),
  };
}

function fakeService(swarm: string, index: number, replicas: number) {
  const update = {
    Parallelism: 1,
    FailureAction: 'pause',
    Monitor: 5_000_000_000,
    MaxFailureRatio: 0,
    Order: 'stop-first',
  };
  return {
    ID: fakeId(`${swarm}/service/${index}`),
    Version: { Index: 5000 + index },
    CreatedAt: at(7200 + index),
    UpdatedAt: at(7200 + index),
    Spec: {
      Name: `svc-${String(index).padStart(3, '0')}`,
      Labels: { team: `team-${index % 7}` },
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE,
          Args: ['sleep', '86400'],
          Init: false,
          StopGracePeriod: 10_000_000_000,
          DNSConfig: {},
          Isolation: 'default',
        },
        Resources: { Limits: {}, Reservations: {} },
        RestartPolicy: { Condition: 'any', Delay: 5_000_000_000, MaxAttempts: 0 },
        Placement: { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
        ForceUpdate: 0,
        Runtime: 'container',
      },
      Mode: { Replicated: { Replicas: replicas } },
      UpdateConfig: update,
      RollbackConfig: update,
      EndpointSpec: { Mode: 'vip' },
    },
    Endpoint: { Spec: { Mode: 'vip' } },
  };
}

function fakeTask(
  swarm: string,
  index: number,
  service: ReturnType<typeof fakeService>,
  node: ReturnType<typeof fakeNode>,
  slot: number,
) {
  // One task in ten is history (shut down), as Docker keeps a few old tasks per slot.
  const history = index % 10 === 9;
  const state = history ? 'shutdown' : 'running';
  return {
    ID: fakeId(`${swarm}/task/${index}`),
    Version: { Index: 20000 + index },
    CreatedAt: at(8000 + index),
    UpdatedAt: at(8100 + index),
    Labels: {},
    Spec: {
      ContainerSpec: service.Spec.TaskTemplate.ContainerSpec,
      Resources: { Limits: {}, Reservations: {} },
      RestartPolicy: service.Spec.TaskTemplate.RestartPolicy,
      Placement: service.Spec.TaskTemplate.Placement,
      ForceUpdate: 0,
    },
    ServiceID: service.ID,
    Slot: slot,
    NodeID: node.ID,
    Status: {
      Timestamp: at(8100 + index),
      State: state,
      Message: history ? 'shutdown' : 'started',
      ContainerStatus: {
        ContainerID: fakeHex(`${swarm}/container/${index}`),
        PID: history ? 0 : 1000 + index,
        ExitCode: 0,
      },
      PortStatus: {},
    },
    DesiredState: state,
  };
}
