// JSON Schemas of the service operations' bodies (GraphQL's inputs, the same names and enums).
import { closedObject } from '../schemas.ts';

const strings = { type: 'array', items: { type: 'string' } } as const;

/** Reason and idempotency key, as every mutation takes them. */
export const serviceMutationMeta = {
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: { type: 'string', description: 'The same key and input again answers with the same job' },
} as const;

export const timeoutSecondsProperty = (defaultSeconds: number) =>
  ({
    type: 'integer',
    minimum: 1,
    maximum: 3600,
    description: `How long the job waits for the tasks (default ${defaultSeconds})`,
  }) as const;

export const labelInputs = {
  type: 'array',
  items: closedObject({ key: { type: 'string' }, value: { type: 'string', default: '' } }, ['key']),
} as const;

export const envProperty = { ...strings, description: 'KEY=VALUE entries' } as const;

export const updateConfigInput = closedObject({
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

const portInput = closedObject(
  {
    targetPort: { type: 'integer' },
    publishedPort: { type: 'integer', description: 'Left out: Docker picks one (ingress mode)' },
    protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' },
    publishMode: { type: 'string', enum: ['INGRESS', 'HOST'], default: 'INGRESS' },
  },
  ['targetPort'],
);

export const createServiceBody = closedObject(
  {
    name: { type: 'string' },
    image: {
      type: 'string',
      description: 'Used as given: never resolved against a registry, so it must be present on the nodes',
    },
    mode: { type: 'string', enum: ['REPLICATED', 'GLOBAL'], default: 'REPLICATED' },
    replicas: { type: 'integer', minimum: 0, description: 'REPLICATED only (default 1)' },
    env: envProperty,
    labels: labelInputs,
    constraints: { ...strings, description: 'Placement constraints, e.g. node.role==worker' },
    updateConfig: updateConfigInput,
    rollbackConfig: updateConfigInput,
    ports: { type: 'array', items: portInput },
    command: { ...strings, description: "Replaces the image's entrypoint" },
    args: { ...strings, description: "Arguments (the image's CMD when left out)" },
    timeoutSeconds: timeoutSecondsProperty(120),
    ...serviceMutationMeta,
  },
  ['name', 'image'],
);
