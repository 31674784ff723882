// JSON Schemas of a service's spec: the bodies of createService and updateService take these fields, and a
// service's view answers them (`spec`), the same names and shapes, so that a read, edited and sent back, is
// accepted. GraphQL's ServiceSpec and its inputs (schema/service.graphql) have the same names and enums.
// Not built on schemas.ts (which imports serviceSpecSchema from here): its closedObject is repeated as `closed`.

/** An object that refuses properties it does not list (as schemas.ts closedObject). */
function closed(properties: Record<string, unknown>, required: string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    propertyNames: { enum: Object.keys(properties) },
    ...(required.length > 0 ? { required } : {}),
    properties,
  };
}

const string = { type: 'string' } as const;
const strings = { type: 'array', items: string } as const;
const boolean = { type: 'boolean' } as const;
const labelList = {
  type: 'array',
  items: closed({ key: string, value: { type: 'string', default: '' } }, ['key']),
} as const;
const fileMode = {
  type: 'integer',
  minimum: 0,
  maximum: 511,
  description: 'File mode as a number; 292 = 0444',
};

export const updateConfigInput = closed({
  parallelism: {
    type: 'integer',
    minimum: 0,
    description: 'Tasks updated at once; 0 = all at once (default 1)',
  },
  delaySeconds: { type: 'number', minimum: 0, description: 'Pause between batches (default 0)' },
  failureAction: {
    type: 'string',
    enum: ['PAUSE', 'CONTINUE', 'ROLLBACK'],
    description: 'Default PAUSE; ROLLBACK is not allowed in a rollback configuration',
  },
  order: { type: 'string', enum: ['STOP_FIRST', 'START_FIRST'], description: 'Default STOP_FIRST' },
  monitorSeconds: {
    type: 'number',
    minimum: 0,
    description: "How long each updated task is watched; 0 = Docker's default (5)",
  },
  maxFailureRatio: { type: 'number', minimum: 0, maximum: 1, description: 'Default 0' },
});

export const portInput = closed(
  {
    targetPort: { type: 'integer' },
    publishedPort: { type: 'integer', description: 'Left out: Docker picks one (ingress mode)' },
    protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' },
    publishMode: { type: 'string', enum: ['INGRESS', 'HOST'], default: 'INGRESS' },
  },
  ['targetPort'],
);

const fileReference = (kind: 'secret' | 'config') =>
  closed(
    {
      [kind]: { type: 'string', description: `The ${kind}'s name or ID` },
      target: {
        type: 'string',
        description: `File name${kind === 'secret' ? ' under /run/secrets' : ''} or absolute path (default: the ${kind}'s name)`,
      },
      uid: { type: 'string', description: 'Default 0' },
      gid: { type: 'string', description: 'Default 0' },
      mode: fileMode,
    },
    [kind],
  );

const mount = closed(
  {
    type: { type: 'string', enum: ['VOLUME', 'TMPFS', 'BIND'] },
    source: {
      type: 'string',
      description:
        "VOLUME: the volume's name (left out: an anonymous one); BIND: the absolute host path, which the " +
        "swarm's policy must allow (setSwarmPolicy); TMPFS: none",
    },
    target: { type: 'string', description: 'Absolute path in the container' },
    readOnly: boolean,
    volumeOptions: closed({
      noCopy: boolean,
      labels: labelList,
      driver: closed({ name: string, options: labelList }, ['name']),
    }),
    tmpfsOptions: closed({
      sizeBytes: { type: 'integer', minimum: 0 },
      mode: { type: 'integer', minimum: 0 },
    }),
  },
  ['type', 'target'],
);

const cpus = { type: 'number', exclusiveMinimum: 0, description: 'CPUs, e.g. 0.5' };
const bytes = { type: 'integer', minimum: 0 };

/** The fields of issue 13 (src/domain/service-spec-fields.ts), as createService and updateService take them. */
export const serviceSpecFieldProperties = {
  networks: {
    type: 'array',
    description: 'Overlay networks of the swarm to join, by name or ID',
    items: closed({ target: { type: 'string', description: 'Network name or ID' }, aliases: strings }, [
      'target',
    ]),
  },
  mounts: { type: 'array', items: mount },
  secrets: { type: 'array', items: fileReference('secret') },
  configs: { type: 'array', items: fileReference('config') },
  resources: closed({
    limits: closed({ cpus, memoryBytes: { ...bytes, description: 'At least 6 MiB' }, pids: bytes }),
    reservations: closed({ cpus, memoryBytes: bytes }),
  }),
  restartPolicy: closed({
    condition: { type: 'string', enum: ['NONE', 'ON_FAILURE', 'ANY'], description: 'Default ANY' },
    delaySeconds: { type: 'number', minimum: 0, description: 'Default 5' },
    maxAttempts: { type: 'integer', minimum: 0, description: '0: no limit (default)' },
    windowSeconds: { type: 'number', minimum: 0 },
  }),
  healthcheck: closed({
    test: {
      ...strings,
      description: '["CMD", program, args...], ["CMD-SHELL", command] or ["NONE"] (no check)',
    },
    intervalSeconds: { type: 'number', minimum: 0 },
    timeoutSeconds: { type: 'number', minimum: 0 },
    retries: { type: 'integer', minimum: 0 },
    startPeriodSeconds: { type: 'number', minimum: 0 },
  }),
  placementPreferences: {
    type: 'array',
    items: closed({ spread: { type: 'string', description: 'e.g. node.labels.zone' } }, ['spread']),
  },
  maxReplicasPerNode: { type: 'integer', minimum: 0, description: '0: no limit' },
  endpointMode: { type: 'string', enum: ['VIP', 'DNSRR'], description: 'Default VIP' },
  hostname: string,
  user: { type: 'string', description: 'User (name or id), optionally :group' },
  workingDir: { type: 'string', description: 'Absolute path' },
  stopSignal: { type: 'string', description: 'e.g. SIGTERM' },
  stopGracePeriodSeconds: { type: 'number', minimum: 0, description: 'Default 10' },
  readOnly: { type: 'boolean', description: "Mounts the container's root filesystem read-only" },
  containerLabels: labelList,
  capabilityAdd: {
    ...strings,
    description: "Linux capabilities to add; each needs the swarm's policy to allow it (setSwarmPolicy)",
  },
  capabilityDrop: strings,
  privileges: {
    ...closed({
      credentialSpec: closed({ config: string, file: string, registry: string }),
      seLinuxContext: closed({ disable: boolean, user: string, role: string, type: string, level: string }),
    }),
    description: "Needs the swarm's policy to allow privileges",
  },
} as const;

/** createService's fields beyond those of issue 13, as its body takes them. */
export const serviceBaseProperties = {
  name: string,
  image: {
    type: 'string',
    description: 'Used as given: never resolved against a registry, so it must be present on the nodes',
  },
  mode: { type: 'string', enum: ['REPLICATED', 'GLOBAL'], default: 'REPLICATED' },
  replicas: { type: 'integer', minimum: 0, description: 'REPLICATED only (default 1)' },
  env: { ...strings, description: 'KEY=VALUE entries' },
  labels: labelList,
  constraints: { ...strings, description: 'Placement constraints, e.g. node.role==worker' },
  updateConfig: updateConfigInput,
  rollbackConfig: updateConfigInput,
  ports: { type: 'array', items: portInput },
  command: { ...strings, description: "Replaces the image's entrypoint" },
  args: { ...strings, description: "Arguments (the image's CMD when left out)" },
} as const;

/** A service's spec as its view answers it: createService's body without reason, idempotency key and timeout. */
export const serviceSpecSchema = {
  type: 'object',
  description:
    "The service's whole spec in createService's terms (fields left out are unset): edited and sent back to " +
    'createService or updateService, it means the same',
  required: ['name', 'image', 'mode', 'labels', 'updateConfig', 'rollbackConfig'],
  properties: { ...serviceBaseProperties, ...serviceSpecFieldProperties },
} as const;
