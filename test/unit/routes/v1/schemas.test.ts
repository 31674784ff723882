// The OpenAPI document and Swagger UI, and response schemas that serialise the views without losing a field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { DockerInfoSwarm, DockerNode, DockerService, DockerTask } from '../../../../src/docker/types.ts';
import { JOB_ONLY_CODES, type ErrorCode } from '../../../../src/errors.ts';
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
import { buildTestApp, type TestApp } from '../../../helper.ts';

const { version } = JSON.parse(
  readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'),
) as {
  version: string;
};

describe('the OpenAPI document and Swagger UI', () => {
  let subject: TestApp;
  before(async () => {
    subject = await buildTestApp();
  });
  after(() => subject.close());

  test('GET /openapi.json is an OpenAPI 3.1 document, served without a token, with the bearerAuth scheme', async () => {
    const response = await subject.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const doc = response.json<{
      openapi: string;
      info: { title: string; version: string };
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'swarmgate');
    assert.equal(doc.info.version, version);
    assert.deepEqual(
      {
        type: doc.components.securitySchemes.bearerAuth?.type,
        scheme: doc.components.securitySchemes.bearerAuth?.scheme,
      },
      { type: 'http', scheme: 'bearer' },
    );
    assert.equal(doc.paths['/healthz']?.get?.security, undefined, 'health probes need no token');
    assert.equal(doc.paths['/graphql'], undefined, 'GraphQL is not a REST operation');
  });

  test('Swagger UI answers at /docs without a token, and its own JSON route serves the same document', async () => {
    const page = await subject.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /swagger/i);
    const uiDoc = await subject.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = await subject.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(uiDoc.statusCode, 200);
    assert.deepEqual(uiDoc.json(), doc.json());
  });

  test('register documents its body as closed and its 201 answer', async () => {
    const doc = (await subject.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>();
    const register = doc.paths['/v1/swarms']?.post as {
      requestBody: {
        content: Record<string, { schema: { additionalProperties: boolean; required: string[] } }>;
      };
      responses: Record<string, unknown>;
    };
    const body = register.requestBody.content['application/json']?.schema;
    assert.equal(body?.additionalProperties, false);
    assert.deepEqual(body?.required, ['name', 'endpoints']);
    assert.ok(register.responses['201']);
    for (const status of ['400', '401', '403', '409', '503']) assert.ok(register.responses[status], status);
  });

  test('no route lists the codes that only end jobs among its answers; the audit event still names them', async () => {
    interface Response {
      content?: Record<string, { schema: { properties: Record<string, { enum?: string[] }> } }>;
    }
    const doc = (await subject.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
    }>();
    let listings = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const codes = response.content?.['application/problem+json']?.schema.properties.code?.enum;
          if (!codes) continue;
          listings += 1;
          for (const code of codes) {
            assert.ok(
              !JOB_ONLY_CODES.has(code as ErrorCode),
              `${method} ${path} lists ${code} under ${status}`,
            );
          }
        }
      }
    }
    assert.ok(listings > 50, `${listings} problem listings checked`);
    assert.deepEqual(
      [...JOB_ONLY_CODES].sort(),
      ['JOB_TIMEOUT', 'UPDATE_PAUSED', 'UPDATE_ROLLED_BACK'],
      'the job-only codes',
    );
    // The codes requests do answer with are still listed: a demote may be refused for quorum, as a conflict.
    const demote = doc.paths['/v1/swarms/{swarm}/nodes/{node}/demote']?.post;
    const conflicts =
      demote?.responses['409']?.content?.['application/problem+json']?.schema.properties.code?.enum;
    for (const code of ['CONFLICT', 'QUORUM_AT_RISK']) assert.ok(conflicts?.includes(code), code);
    assert.ok(!problemSchema.properties.code.enum.some((code) => JOB_ONLY_CODES.has(code)));
    // Where a job's failure shows in REST (its FAILED audit event), the job-only codes are documented.
    const audit = doc.paths['/v1/audit']?.get?.responses['200'] as unknown as {
      content: Record<
        string,
        {
          schema: {
            properties: { items: { items: { properties: { errorCode: { description: string } } } } };
          };
        }
      >;
    };
    const errorCode = audit.content['application/json']?.schema.properties.items.items.properties.errorCode;
    for (const code of JOB_ONLY_CODES) assert.match(errorCode?.description ?? '', new RegExp(code));
  });
});

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
