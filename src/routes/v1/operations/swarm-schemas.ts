// Body schemas the swarm operations' REST doors share (engine endpoints, roles, reason and idempotency key), and
// the rule that a swarm is looked up before its body is judged.
import type { FastifyRequest } from 'fastify';
import type { OperationDeps } from '../../../operations/deps.ts';
import { findSwarmFor } from '../../../domain/swarm-registration.ts';
import { principalOf } from '../../../plugins/app/auth.ts';
import { closedObject, dryRunProperty } from '../schemas.ts';

const string = { type: 'string' } as const;

export const engineEndpointInput = {
  ...closedObject(
    {
      url: {
        type: 'string',
        minLength: 1,
        description: 'tcp://ADDR:2376 (mutual TLS) or unix:///path/to/docker.sock',
      },
      tls: {
        ...closedObject({ ca: string, cert: string, key: string }, ['ca', 'cert', 'key']),
        description: 'PEM blocks, required for tcp://; kept sealed in the job and never shown',
      },
    },
    ['url'],
  ),
  description: "The engine's own API",
};

export const nodeRoleInput = { type: 'string', enum: ['WORKER', 'MANAGER'] } as const;

export const labelsInput = {
  type: 'array',
  items: closedObject({ key: string, value: { type: 'string', default: '' } }, ['key']),
} as const;

/** What every mutation takes besides its own input, as in GraphQL. */
export const operationMeta = {
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: {
    type: 'string',
    minLength: 1,
    description: 'The same key with the same input answers the same job; with another input, 409 CONFLICT',
  },
} as const;

/**
 * Routes under /swarms/:swarm validate their body only after the swarm was found in the caller's tenant (they
 * are declared with `attachValidation`): another tenant's swarm is NOT_FOUND whatever the body says, so neither
 * the body's shape nor a 400 tells anything about it.
 */
export async function refuseInvalidBody(
  request: FastifyRequest<{ Params: { swarm: string } }>,
  deps: OperationDeps,
): Promise<void> {
  if (!request.validationError) return;
  await findSwarmFor(deps, principalOf(request), request.params.swarm);
  throw request.validationError;
}

/** The body of an operation on an engine given by its endpoint (join, leave): endpoint required, reason, key. */
export function endpointBody(fields: Record<string, object>) {
  return closedObject(
    { endpoint: engineEndpointInput, ...fields, ...operationMeta, dryRun: dryRunProperty },
    ['endpoint'],
  );
}
