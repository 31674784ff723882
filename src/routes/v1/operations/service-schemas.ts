// JSON Schemas of the service operations' bodies (GraphQL's inputs, the same names and enums).
import { closedObject } from '../schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { OperationContext } from '../../../audit/types.ts';
import type { JobRecord } from '../../../jobs/types.ts';
import type { OperationDeps } from '../../../operations/deps.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';

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

/** A route of a service's job (update, scale, rollback): its words, its body schema and its operation. */
export interface ServiceJobRoute<B extends object> {
  method: 'PATCH' | 'POST';
  url: string;
  operationId: string;
  summary: string;
  description: string;
  body: object;
  /** Every field is optional, so the body is too: none at all is an empty one (the schema wants an object). */
  optionalBody?: boolean;
  operation: (
    deps: OperationDeps,
    ctx: OperationContext,
    input: B & { swarm: string; service: string },
  ) => Promise<JobRecord>;
}

export function serviceJobRoute<B extends object>(
  app: FastifyInstance,
  { deps, operationOf }: V1Context,
  route: ServiceJobRoute<B>,
): void {
  app.route<{ Params: { swarm: string; service: string }; Body: B }>({
    method: route.method,
    url: route.url,
    schema: {
      operationId: route.operationId,
      tags: ['services'],
      summary: route.summary,
      description: route.description,
      params: serviceParams,
      body: route.body,
      response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
    },
    ...(route.optionalBody
      ? {
          preValidation: (request, _reply, done) => {
            request.body ??= {} as B;
            done();
          },
        }
      : {}),
    handler: async (request, reply) => {
      // The body as the route's schema admitted it (fastify types it through its type provider).
      const body: B = request.body as B;
      return replyWithJob(
        reply,
        await route.operation(deps, operationOf(request), { ...body, ...request.params }),
      );
    },
  });
}
