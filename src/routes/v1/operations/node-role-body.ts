// The body promote and demote share: force, reason, idempotency key (all optional, so the body may be left out).
import type { FastifyRequest } from 'fastify';
import { closedObject } from '../schemas.ts';

export interface NodeRoleBody {
  force?: boolean;
  reason?: string;
  idempotencyKey?: string;
}

export const nodeRoleBody = closedObject({
  force: {
    type: 'boolean',
    default: false,
    description: 'Accept an even number of managers afterwards (audited as forced); never a loss of quorum',
  },
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: { type: 'string', description: 'The same key and input again answers with the same job' },
});

/** preValidation: a request without a body (`curl -X POST .../promote`) is taken as `{}`, the defaults. */
export function bodyOptional(request: FastifyRequest, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}
