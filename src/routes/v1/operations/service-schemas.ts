// JSON Schemas of the service operations' bodies (GraphQL's inputs, the same names and enums).
import { closedObject, dryRunProperty } from '../schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { OperationContext } from '../../../audit/types.ts';
import type { JobRecord } from '../../../jobs/types.ts';
import type { OperationDeps } from '../../../operations/deps.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses, serviceParams } from '../schemas.ts';
import { serviceBaseProperties, serviceSpecFieldProperties } from '../service-spec-schemas.ts';

const strings = { type: 'array', items: { type: 'string' } } as const;

/** Reason and idempotency key, as every mutation takes them. */
export const serviceMutationMeta = {
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: { type: 'string', description: 'The same key and input again answers with the same job' },
  dryRun: dryRunProperty,
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

export { portInput, updateConfigInput } from '../service-spec-schemas.ts';

export const createServiceBody = closedObject(
  {
    ...serviceBaseProperties,
    ...serviceSpecFieldProperties,
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
