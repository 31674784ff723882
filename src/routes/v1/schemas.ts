// JSON Schemas shared by the /v1 routes: the problem document, the views (GraphQL's field names), pages and inputs.
import { ERROR_CATALOGUE, JOB_ERROR_CODES, REQUEST_ERROR_CODES, type ErrorCode } from '../../errors.ts';
import { MAX_PAGE_SIZE } from '../../queries/pagination.ts';
import { serviceSpecSchema } from './service-spec-schemas.ts';

/*
 * Response schemas are also fast-json-stringify's serialisers: a property a view has but a schema lacks is
 * silently dropped, so every view's field is listed here (test/unit/routes/v1/schemas.test.ts compares them).
 * Input schemas are closed with `propertyNames` as well as `additionalProperties: false`: fastify's Ajv
 * runs with `removeAdditional`, which would otherwise drop a misspelt field without a word.
 */

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const integer = { type: 'integer' } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const boolean = { type: 'boolean' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const strings = { type: 'array', items: string } as const;

/** An object whose every property is required: views always carry every field, null when unknown. */
export function view(description: string, properties: Record<string, unknown>) {
  return { type: 'object', description, required: Object.keys(properties), properties };
}

/** `dryRun` of every planned mutation (src/operations/plan-job.ts): the plan only, nothing changes. */
export const dryRunProperty = {
  type: 'boolean',
  default: false,
  description:
    'Answer the plan only (200, a job with dryRun: true and its plan, not stored); nothing changes',
} as const;

/** An input object that refuses properties it does not list (see the note at the top). */
export function closedObject(properties: Record<string, unknown>, required: string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    propertyNames: { enum: Object.keys(properties) },
    ...(required.length > 0 ? { required } : {}),
    properties,
  };
}

// ---------------------------------------------------------------- errors

/** The codes only jobs end with (the catalogue in errors.ts): never a request's answer. */
const JOB_ONLY_CODES = JOB_ERROR_CODES.filter((code) => !ERROR_CATALOGUE[code].answers);

/** RFC 9457 problem details, as the root error handler (src/app.ts) writes them. */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is one of the error codes GraphQL also uses',
  required: ['type', 'title', 'status', 'code', 'detail', 'instance', 'requestId'],
  properties: {
    type: { type: 'string', description: 'urn:swarmgate:error:CODE' },
    title: string,
    status: integer,
    code: { type: 'string', enum: REQUEST_ERROR_CODES },
    detail: { type: 'string', description: 'What went wrong and what to do about it, for a person' },
    details: { type: 'object', additionalProperties: true, description: 'Machine-readable specifics' },
    instance: { type: 'string', description: 'The request path' },
    requestId: { type: 'string', description: 'Quote it when asking for help: it is in the gateway log' },
  },
} as const;

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

const PROBLEM_DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is malformed or names something ambiguous (BAD_INPUT)',
  401: 'No valid bearer token (UNAUTHENTICATED)',
  403: "The token's roles do not allow this (FORBIDDEN)",
  404: "No such object in the caller's tenant (NOT_FOUND); another tenant's objects are NOT_FOUND too",
  409: 'The change conflicts with what exists (CONFLICT)',
  413: 'The body is too large (BAD_INPUT)',
  415: 'The body is not application/json (BAD_INPUT)',
  429: 'Too many of these requests at once; retry after the Retry-After seconds (RATE_LIMITED)',
  500: 'An unexpected failure; the detail says nothing, the log has it under requestId (INTERNAL)',
  503: 'No manager of the swarm answers (SWARM_UNREACHABLE); details.endpoints says what each said',
};

/**
 * The codes a problem with this status may carry: those of errors.ts that answer requests (not the job-only ones),
 * and BAD_INPUT for fastify's own 4xx.
 */
function codesFor(status: ProblemStatus): ErrorCode[] {
  const codes = REQUEST_ERROR_CODES.filter((code) => ERROR_CATALOGUE[code].status === status);
  return codes.length > 0 ? codes : [status === 500 ? 'INTERNAL' : 'BAD_INPUT'];
}

/**
 * Response entries for the given error statuses, served as application/problem+json. 401 and 500 are added to
 * every route: any /v1 request can lack a token, and any can fail unexpectedly.
 */
export function problemResponses(...statuses: ProblemStatus[]) {
  const all = [...new Set<ProblemStatus>([...statuses, 401, 500])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status],
        content: {
          'application/problem+json': {
            schema: {
              ...problemSchema,
              properties: { ...problemSchema.properties, code: { type: 'string', enum: codesFor(status) } },
            },
          },
        },
      },
    ]),
  );
}

// ---------------------------------------------------------------- views (src/queries/views.ts)

export const labelSchema = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: string, value: string },
} as const;
const labels = { type: 'array', items: labelSchema } as const;

export const swarmSchema = view('A registered swarm (registration data; no Docker call)', {
  id: { type: 'string', format: 'uuid' },
  name: string,
  tenant: string,
  clusterId: { ...nullableString, description: "Docker's ClusterID, recorded at registration" },
  labels,
  endpoints: { ...strings, description: 'Manager endpoints in failover order (never their credentials)' },
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const swarmStatusSchema = view('Reachability now: every endpoint is asked', {
  state: { type: 'string', enum: ['OK', 'DEGRADED', 'UNREACHABLE'] },
  message: { ...nullableString, description: 'Set when the state is not OK: what is down, in words' },
  errorCode: { type: ['string', 'null'], enum: ['SWARM_UNREACHABLE', null] },
  endpoints: {
    type: 'array',
    items: view('One endpoint', { url: string, up: boolean, error: nullableString }),
  },
  checkedAt: dateTime,
});

export const swarmInfoSchema = view('The `Swarm:` block of `docker info`, from a reachable manager', {
  nodeId: string,
  nodeAddress: string,
  clusterId: nullableString,
  isManager: boolean,
  localNodeState: string,
  managers: nullableInteger,
  nodes: nullableInteger,
  raftSnapshotInterval: nullableInteger,
  raftKeepOldSnapshots: nullableInteger,
  raftLogEntriesForSlowFollowers: nullableInteger,
  heartbeatTick: nullableInteger,
  electionTick: nullableInteger,
  dispatcherHeartbeatPeriodSeconds: nullableNumber,
  caNodeCertExpirySeconds: nullableNumber,
  taskHistoryRetentionLimit: nullableInteger,
  autolock: boolean,
  dataPathPort: nullableInteger,
  defaultAddrPool: strings,
  subnetSize: nullableInteger,
  rootRotationInProgress: boolean,
  createdAt: nullableDateTime,
  updatedAt: nullableDateTime,
});

export const quorumSchema = view('Raft quorum of the managers as the swarm reports them now', {
  managers: integer,
  reachable: integer,
  needed: { ...integer, description: 'A majority of managers: floor(managers / 2) + 1' },
  tolerates: { ...integer, description: 'How many more managers may fail before quorum is lost' },
  hasQuorum: boolean,
});

export const joinTokensSchema = view('The join commands’ tokens (secret: never log or share them)', {
  worker: string,
  manager: string,
  managerAddresses: { ...strings, description: 'Manager addresses a joining node can use (host:2377)' },
});

export const nodeSchema = view('A node, as `docker node ls` and `docker node inspect` show it', {
  id: string,
  swarmId: string,
  hostname: string,
  role: { type: 'string', enum: ['MANAGER', 'WORKER'] },
  availability: { type: 'string', enum: ['ACTIVE', 'PAUSE', 'DRAIN'] },
  state: { type: 'string', enum: ['UNKNOWN', 'DOWN', 'READY', 'DISCONNECTED'] },
  statusMessage: nullableString,
  address: nullableString,
  leader: boolean,
  managerStatus: {
    type: ['string', 'null'],
    enum: ['LEADER', 'REACHABLE', 'UNREACHABLE', 'UNKNOWN', null],
    description: 'Null for workers, as the MANAGER STATUS column of `docker node ls`',
  },
  managerAddress: nullableString,
  engineVersion: nullableString,
  platform: view('Platform', { os: nullableString, architecture: nullableString }),
  resources: view('Resources', {
    cpus: nullableNumber,
    nanoCpus: nullableNumber,
    memoryBytes: nullableNumber,
  }),
  labels,
  engineLabels: labels,
  version: { ...integer, description: "Docker's object version, sent back with every update" },
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const serviceSchema = view('A service, as `docker service ls` and `docker service inspect` show it', {
  id: string,
  swarmId: string,
  name: string,
  mode: { type: 'string', enum: ['REPLICATED', 'GLOBAL'] },
  replicas: { ...nullableInteger, description: 'Desired replicas; null for global services' },
  runningTasks: integer,
  desiredTasks: integer,
  image: nullableString,
  updateStatus: {
    type: ['object', 'null'],
    description: 'The last rolling update or rollback, with Docker’s message',
    required: ['state', 'message', 'startedAt', 'completedAt'],
    properties: {
      state: {
        type: 'string',
        description: 'UPDATING, PAUSED, COMPLETED, ROLLBACK_STARTED, ROLLBACK_PAUSED or ROLLBACK_COMPLETED',
      },
      message: nullableString,
      startedAt: nullableDateTime,
      completedAt: nullableDateTime,
    },
  },
  ports: {
    type: 'array',
    items: view('A published port', {
      protocol: string,
      targetPort: nullableInteger,
      publishedPort: nullableInteger,
      publishMode: nullableString,
    }),
  },
  labels,
  constraints: strings,
  spec: serviceSpecSchema,
  version: integer,
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const taskSchema = view('A task, as `docker service ps` shows it', {
  id: string,
  swarmId: string,
  serviceId: string,
  nodeId: { ...nullableString, description: 'Null while the task is not yet assigned' },
  slot: nullableInteger,
  state: { ...string, description: 'NEW ... RUNNING, COMPLETE, SHUTDOWN, FAILED, REJECTED, ORPHANED' },
  desiredState: string,
  message: nullableString,
  error: { ...nullableString, description: 'Why the task failed or was rejected (e.g. "No such image")' },
  image: nullableString,
  containerId: nullableString,
  exitCode: nullableInteger,
  timestamp: nullableDateTime,
  version: integer,
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const meSchema = view('Who the token says the caller is', {
  sub: { ...string, description: "The token's `sub`: the person or service the request is made for" },
  tenant: { ...string, description: 'The tenant the request acts in' },
  roles: {
    type: 'array',
    items: { type: 'string', enum: ['VIEWER', 'OPERATOR', 'ADMIN', 'PLATFORM_ADMIN'] },
  },
  actors: { ...strings, description: 'The RFC 8693 actor chain, nearest first' },
});

export const unregisteredSwarmSchema = view('The swarm that was forgotten', { id: string, name: string });

// ---------------------------------------------------------------- jobs (GraphQL's Job, JSON as objects)

export const JOB_STATES = [
  'AWAITING_APPROVAL',
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;

export const jobSchema = view('A job: one operation on a swarm, its state and progress', {
  id: { type: 'string', description: "A uuid; a dry run's answer (not a job one can look up): plan:<uuid>" },
  type: {
    type: 'string',
    description: 'The operation: node.drain, service.update, swarm.joinToken.rotate...',
  },
  state: { type: 'string', enum: [...JOB_STATES] },
  progress: view('How far it got', {
    percent: { type: 'integer', minimum: 0, maximum: 100 },
    step: nullableString,
    message: nullableString,
  }),
  tenant: string,
  swarmId: nullableString,
  swarmName: nullableString,
  target: {
    type: 'object',
    additionalProperties: true,
    description: 'What the job acts on (swarm, node, service ids and names)',
  },
  parameters: { type: 'object', additionalProperties: true, description: 'The input with secrets removed' },
  reason: nullableString,
  forced: boolean,
  requestedBy: view('Who asked', { sub: string, actors: strings, source: string }),
  result: { description: 'What the job produced (any JSON), or null' },
  plan: {
    description:
      'What a planning job (deployStack) found it will do: create, update (with the spec diff), remove, ' +
      'unchanged, ignored; a dry run (`dryRun: true`) its plan; null for other jobs',
  },
  dryRun: {
    ...boolean,
    description:
      'A dry run: the plan only, nothing changed, no job stored (its id is plan:<uuid>, not found later)',
  },
  approvals: {
    type: ['object', 'null'],
    description:
      "What the job waits for, or waited for, when the tenant's approval policy matched it; else null",
    required: ['required', 'role', 'given', 'expiresAt'],
    properties: {
      required: { ...integer, description: 'How many distinct approvers' },
      role: { ...string, description: 'The least role of an approver' },
      given: { type: 'array', items: view('An approval', { sub: string, actors: strings, at: dateTime }) },
      expiresAt: { ...dateTime, description: 'When the job ends cancelled if not approved by then' },
    },
  },
  errorCode: nullableString,
  errorMessage: nullableString,
  attempts: integer,
  operationId: { type: 'string', format: 'uuid', description: 'Links the job with its audit events' },
  createdAt: dateTime,
  startedAt: nullableDateTime,
  finishedAt: nullableDateTime,
  updatedAt: dateTime,
});

export const jobPageSchema = view('A page of jobs, newest first', {
  items: { type: 'array', items: jobSchema },
  pageInfo: view('Where this page ends', { endCursor: nullableString, hasNextPage: boolean }),
});

/** Response schemas of an operation that answers with its job (./job-reply.ts). */
export const jobAcceptedResponses = {
  200: { ...jobSchema, description: 'The job already ended (quick operations wait for it)' },
  202: { ...jobSchema, description: 'The job is queued or running; follow Location (/v1/jobs/:id)' },
};

/** What a node or swarm operation answers: its job, or the refusals any of them may meet. */
export function nodeJobResponses() {
  return { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) };
}

// ---------------------------------------------------------------- audit (GraphQL's AuditEvent, JSON as objects)

const AUDIT_OUTCOMES = ['REQUESTED', 'SUCCEEDED', 'FAILED', 'REFUSED'] as const;

export const auditEventSchema = view('An audit event: who asked for what, on what, why, and what happened', {
  id: { type: 'string', format: 'uuid' },
  seq: { ...string, description: 'Global write order (a decimal bigint)' },
  tenant: string,
  tenantSeq: { ...integer, description: "Position in the tenant's hash chain" },
  occurredAt: dateTime,
  operationId: {
    type: 'string',
    format: 'uuid',
    description: 'Links the REQUESTED event of an operation with its outcome',
  },
  outcome: { type: 'string', enum: [...AUDIT_OUTCOMES] },
  action: { ...string, description: '`swarm.register`, `node.drain`, `swarm.joinToken.rotate`, ...' },
  actor: view('Who asked', {
    sub: { ...string, description: 'The principal the request was made for' },
    actors: { ...strings, description: 'The actor chain, nearest first (the bot acting for `sub`)' },
    roles: strings,
    source: { ...string, description: 'graphql, rest, worker or cli' },
    clientAddress: nullableString,
    userAgent: nullableString,
    requestId: nullableString,
  }),
  target: view('What the operation was about', {
    swarmId: nullableString,
    swarmName: nullableString,
    nodeId: nullableString,
    nodeName: nullableString,
    serviceId: nullableString,
    serviceName: nullableString,
  }),
  parameters: {
    type: 'object',
    additionalProperties: true,
    description: 'The input, with secrets removed',
  },
  reason: nullableString,
  forced: boolean,
  errorCode: {
    ...nullableString,
    description:
      'The code of a refusal or failure: one of the problem codes, or, when a job failed, also one of the codes ' +
      `only jobs end with (${JOB_ONLY_CODES.join(', ')})`,
  },
  errorMessage: nullableString,
  jobId: nullableString,
  result: { description: 'What the outcome recorded (any JSON), or null' },
  prevHash: { ...string, description: 'Hash of the previous event of the tenant (hex)' },
  hash: { ...string, description: 'SHA-256 over prevHash and this event (hex)' },
});

export const auditPageSchema = view('A page of audit events, newest first', {
  items: { type: 'array', items: auditEventSchema },
  pageInfo: view('Where this page ends', {
    endCursor: { ...nullableString, description: 'Pass as `after` to get the next (older) page' },
    hasNextPage: boolean,
  }),
});

export const auditIntegritySchema = view("The verdict of walking each tenant's hash chain", {
  ok: { ...boolean, description: 'Every chain holds' },
  tenants: {
    type: 'array',
    items: view("One tenant's chain", {
      tenant: string,
      events: integer,
      ok: boolean,
      firstBroken: {
        type: ['object', 'null'],
        description: 'The first event whose link or content does not hold; null when the chain holds',
        required: ['id', 'seq', 'tenantSeq', 'problem'],
        properties: { id: string, seq: string, tenantSeq: integer, problem: string },
      },
    }),
  },
});

/** A list with its total, as `{ totalCount, items }`, so it can grow paging without breaking clients. */
export function listOf(description: string, item: object) {
  return view(description, { totalCount: integer, items: { type: 'array', items: item } });
}

/** One page of a cursor-paginated list (src/queries/pagination.ts). */
export function pageOf(description: string, item: object) {
  return view(description, {
    totalCount: { ...integer, description: 'Items matching the filters, on every page' },
    items: { type: 'array', items: item },
    pageInfo: view('Where this page ends', {
      endCursor: { ...nullableString, description: 'Pass as `after` to get the next page' },
      hasNextPage: boolean,
    }),
  });
}

// ---------------------------------------------------------------- parameters and inputs

/** Path parameters: fastify fills exactly the route's own, so they need no closing. */
export function pathParams(descriptions: Record<string, string>) {
  const properties: Record<string, object> = {};
  for (const [name, description] of Object.entries(descriptions)) {
    properties[name] = { type: 'string', minLength: 1, description };
  }
  return { type: 'object', required: Object.keys(descriptions), properties };
}

const swarmRef = 'Swarm id or name';
export const swarmParams = pathParams({ swarm: swarmRef });
export const nodeParams = pathParams({
  swarm: swarmRef,
  node: 'Node ID, unique ID prefix or hostname, as with the docker CLI',
});
export const serviceParams = pathParams({
  swarm: swarmRef,
  service: 'Service ID, unique ID prefix or name',
});

/** `first` and `after` of every paginated list. */
export const pageQueryProperties = {
  first: { type: 'integer', minimum: 0, maximum: MAX_PAGE_SIZE, default: 100, description: 'Page size' },
  after: { type: 'string', description: 'The `endCursor` of the previous page' },
} as const;

/** The `fresh` query parameter of the node, service and task reads (GraphQL's `fresh: true`). */
export const freshQueryProperty = {
  fresh: {
    type: 'boolean',
    default: false,
    description:
      "true: ask a manager of the swarm now instead of the gateway's state, which its events keep current " +
      '(see observedAt of GET /v1/swarms/:swarm)',
  },
} as const;

/** The filters of GET /v1/audit (GraphQL's AuditFilter), its page and its tenant. */
export const auditListQuery = closedObject({
  actor: {
    type: 'string',
    minLength: 1,
    description: 'The principal (`sub`) or any actor of its chain (a bot)',
  },
  action: {
    type: 'string',
    minLength: 1,
    description: 'An action (`node.drain`) or a prefix ending in a dot or `*` (`node.`, `node.*`)',
  },
  swarm: { type: 'string', minLength: 1, description: 'Swarm id or name' },
  node: { type: 'string', minLength: 1, description: 'Node id or hostname' },
  service: { type: 'string', minLength: 1, description: 'Service id or name' },
  outcome: {
    type: 'string',
    minLength: 1,
    description: 'REQUESTED, SUCCEEDED, FAILED or REFUSED (any case)',
  },
  operationId: { type: 'string', format: 'uuid', description: 'The events of one operation' },
  from: { type: 'string', format: 'date-time', description: 'Events at or after this time (RFC 3339)' },
  to: { type: 'string', format: 'date-time', description: 'Events before this time (RFC 3339)' },
  tenant: {
    type: 'string',
    minLength: 1,
    description:
      "platform-admin: only this tenant's events (default: every tenant's); others: their own only",
  },
  first: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'Page size (JSON only: NDJSON exports every matching event)',
  },
  after: {
    type: 'string',
    minLength: 1,
    description: 'The `endCursor` of the previous page (JSON only)',
  },
});

export const auditIntegrityQuery = closedObject({
  tenant: {
    type: 'string',
    minLength: 1,
    description: "platform-admin: only this tenant's chain (default: every tenant's); others: their own only",
  },
});

export const labelFilterProperty = {
  type: 'string',
  minLength: 1,
  description: '`key` or `key=value`',
} as const;

const labelInput = closedObject({ key: string, value: { type: 'string', default: '' } }, ['key']);

const endpointInput = closedObject(
  {
    url: {
      type: 'string',
      description:
        'tcp://HOST:PORT with mutual TLS (tls required), to a routable address inside SWARMGATE_ENGINE_NETWORKS when ' +
        'set. unix:///path/to/docker.sock, plain tcp and loopback or link-local addresses: platform-admin only.',
    },
    tls: {
      ...closedObject({ ca: string, cert: string, key: string }, ['ca', 'cert', 'key']),
      description: 'PEM blocks, required for tcp://; stored encrypted and never returned',
    },
  },
  ['url'],
);

/** What every mutation takes besides its own input, as in GraphQL; passed on to the operation unchanged. */
const mutationMeta = {
  reason: { type: 'string', description: 'Why the change is made, for the audit log' },
  idempotencyKey: {
    type: 'string',
    description: 'Accepted as in GraphQL; the registry operations do not act on it yet',
  },
} as const;

export const registerSwarmBody = closedObject(
  {
    name: string,
    endpoints: { type: 'array', items: endpointInput, description: 'One or more manager endpoints' },
    labels: { type: 'array', items: labelInput },
    tenant: {
      type: 'string',
      description: "platform-admin only: register into this tenant, not the token's",
    },
    ...mutationMeta,
  },
  ['name', 'endpoints'],
);

export const updateSwarmBody = closedObject({
  name: string,
  labels: { type: 'array', items: labelInput, description: 'Replaces every label' },
  endpoints: {
    type: 'array',
    items: endpointInput,
    description: 'Replaces the endpoints; they must be managers of the same cluster',
  },
  ...mutationMeta,
});

export const mutationMetaQuery = closedObject({ ...mutationMeta });
