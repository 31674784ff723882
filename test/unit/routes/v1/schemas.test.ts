// Response schemas serialise the views without losing a field (a bare fastify, no gateway); the OpenAPI document and
// Swagger UI of the real gateway are in test/integration/plugins/swagger.test.ts.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { DockerInfoSwarm, DockerNode, DockerService, DockerTask } from '../../../../src/docker/types.ts';
import { paginate } from '../../../../src/queries/pagination.ts';
import {
  quorumOf,
  toNodeView,
  toServiceView,
  toSwarmInfoView,
  toSwarmView,
  toTaskView,
} from '../../../../src/queries/views.ts';
import {
  joinTokensSchema,
  listOf,
  meSchema,
  nodeSchema,
  pageOf,
  problemSchema,
  quorumSchema,
  serviceSchema,
  swarmInfoSchema,
  swarmSchema,
  swarmStatusSchema,
  taskSchema,
} from '../../../../src/routes/v1/schemas.ts';

// Docker objects with every optional part present, and the bare minimum, so nullable fields are exercised both ways.
const manager: DockerNode = {
  ID: 'node1abc',
  Version: { Index: 42 },
  CreatedAt: '2024-01-01T00:00:00.000000001Z',
  UpdatedAt: '2024-01-02T00:00:00Z',
  Spec: { Role: 'manager', Availability: 'active', Labels: { zone: 'a', 'disk.ssd': '' } },
  Description: {
    Hostname: 'alpha-m1',
    Platform: { OS: 'linux', Architecture: 'x86_64' },
    Resources: { NanoCPUs: 2_000_000_000, MemoryBytes: 8_000_000_000 },
    Engine: { EngineVersion: '20.10.24', Labels: { lab: 'yes' } },
  },
  Status: { State: 'ready', Message: '', Addr: '10.0.0.1' },
  ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' },
};
const worker: DockerNode = {
  ID: 'node2def',
  Version: { Index: 7 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:00Z',
  Spec: { Role: 'worker', Availability: 'drain' },
  Status: { State: 'down', Message: 'heartbeat failure' },
};
const task: DockerTask = {
  ID: 'task1',
  Version: { Index: 3 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:01Z',
  Spec: { ContainerSpec: { Image: 'swarmgate/probe:1' } },
  ServiceID: 'svc1',
  Slot: 1,
  NodeID: 'node1abc',
  Status: {
    Timestamp: '2024-01-01T00:00:01Z',
    State: 'running',
    Message: 'started',
    ContainerStatus: { ContainerID: 'c0ffee', ExitCode: 0 },
  },
  DesiredState: 'running',
};
const rejected: DockerTask = {
  ID: 'task2',
  Version: { Index: 4 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:00Z',
  Spec: {},
  ServiceID: 'svc1',
  Status: { State: 'rejected', Err: 'No such image: nope:1' },
  DesiredState: 'shutdown',
};
const replicated: DockerService = {
  ID: 'svc1',
  Version: { Index: 9 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:00Z',
  Spec: {
    Name: 'web',
    Labels: { team: 'core' },
    TaskTemplate: {
      ContainerSpec: { Image: 'swarmgate/probe:2' },
      Placement: { Constraints: ['node.role==worker'] },
    },
    Mode: { Replicated: { Replicas: 3 } },
  },
  Endpoint: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] },
  UpdateStatus: {
    State: 'paused',
    StartedAt: '2024-01-01T00:00:00Z',
    Message: 'update paused due to failure',
  },
};
const global: DockerService = {
  ID: 'svc2',
  Version: { Index: 1 },
  CreatedAt: '2024-01-01T00:00:00Z',
  UpdatedAt: '2024-01-01T00:00:00Z',
  Spec: { Name: 'agent', TaskTemplate: {}, Mode: { Global: {} } },
};
const info: DockerInfoSwarm = {
  NodeID: 'node1abc',
  NodeAddr: '10.0.0.1',
  LocalNodeState: 'active',
  ControlAvailable: true,
  Error: '',
  RemoteManagers: null,
  Nodes: 2,
  Managers: 1,
  Cluster: {
    ID: 'cluster1',
    Version: { Index: 10 },
    CreatedAt: '2024-01-01T00:00:00Z',
    UpdatedAt: '2024-01-01T00:00:00Z',
    Spec: {
      Raft: {
        SnapshotInterval: 10000,
        KeepOldSnapshots: 0,
        LogEntriesForSlowFollowers: 500,
        ElectionTick: 10,
        HeartbeatTick: 1,
      },
      Dispatcher: { HeartbeatPeriod: 5_000_000_000 },
      CAConfig: { NodeCertExpiry: 7_776_000_000_000_000 },
      EncryptionConfig: { AutoLockManagers: false },
      Orchestration: { TaskHistoryRetentionLimit: 5 },
    },
    DataPathPort: 4789,
    DefaultAddrPool: ['10.0.0.0/8'],
    SubnetSize: 24,
    RootRotationInProgress: false,
  },
};
const inactive: DockerInfoSwarm = {
  NodeID: '',
  NodeAddr: '',
  LocalNodeState: '',
  ControlAvailable: false,
  Error: '',
  RemoteManagers: null,
};
const swarm = {
  id: '6d9877c8-001a-4371-9114-3299d21aae01',
  tenantId: 'a2b0e7a4-1111-4c1d-9a55-3299d21aae02',
  tenant: 'acme',
  name: 'alpha',
  clusterId: null,
  labels: { env: 'lab' },
  endpointUrls: ['tcp://10.0.0.1:2376'],
  createdAt: new Date('2024-01-01T00:00:00Z'),
  updatedAt: new Date('2024-01-02T00:00:00Z'),
};

describe('response schemas', () => {
  // Each case is what a route answers and the schema it answers it with: serialising through fastify must give
  // back exactly the view, since fast-json-stringify silently drops a property its schema does not declare.
  const cases: [string, object, unknown][] = [
    ['swarm', swarmSchema, toSwarmView(swarm)],
    ['swarm list', listOf('swarms', swarmSchema), { totalCount: 1, items: [toSwarmView(swarm)] }],
    [
      'swarm status',
      swarmStatusSchema,
      {
        state: 'DEGRADED',
        message: 'tcp://b:2376 is down (connect ECONNREFUSED)',
        errorCode: null,
        endpoints: [
          { url: 'tcp://a:2376', up: true, error: null },
          { url: 'tcp://b:2376', up: false, error: 'connect ECONNREFUSED' },
        ],
        checkedAt: '2024-01-01T00:00:00.000Z',
      },
    ],
    ['swarm info', swarmInfoSchema, toSwarmInfoView(info)],
    ['swarm info of an inactive engine', swarmInfoSchema, toSwarmInfoView(inactive)],
    ['quorum', quorumSchema, quorumOf([manager, worker])],
    [
      'join tokens',
      joinTokensSchema,
      { worker: 'SWMTKN-1-w', manager: 'SWMTKN-1-m', managerAddresses: ['10.0.0.1:2377'] },
    ],
    [
      'node page',
      pageOf('nodes', nodeSchema),
      paginate([toNodeView(swarm.id, manager), toNodeView(swarm.id, worker)], (n) => n.id, 1),
    ],
    ['service', serviceSchema, toServiceView(swarm.id, replicated, [task, rejected])],
    ['global service', serviceSchema, toServiceView(swarm.id, global, [])],
    [
      'task page',
      pageOf('tasks', taskSchema),
      paginate([toTaskView(swarm.id, task), toTaskView(swarm.id, rejected)], (t) => t.id),
    ],
    [
      'me',
      meSchema,
      { sub: 'alice', tenant: 'acme', roles: ['VIEWER', 'PLATFORM_ADMIN'], actors: ['chatops-bot'] },
    ],
    [
      'problem',
      problemSchema,
      {
        type: 'urn:swarmgate:error:SWARM_UNREACHABLE',
        title: 'SWARM_UNREACHABLE',
        status: 503,
        code: 'SWARM_UNREACHABLE',
        detail: 'swarm "alpha" is unreachable',
        details: { swarm: 'alpha', endpoints: [{ url: 'unix:///x', up: false }] },
        instance: '/v1/swarms/alpha/nodes',
        requestId: 'r1',
      },
    ],
  ];

  const app = Fastify();
  cases.forEach(([, schema, value], index) => {
    app.get(`/case/${index}`, { schema: { response: { 200: schema } } }, () => value);
  });
  after(() => app.close());

  for (const [name, , value] of cases) {
    test(`the ${name} schema serialises every field of the view unchanged`, async () => {
      const index = cases.findIndex(([caseName]) => caseName === name);
      const response = await app.inject({ method: 'GET', url: `/case/${index}` });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), JSON.parse(JSON.stringify(value)));
    });
  }
});
