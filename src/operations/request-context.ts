// Builds the OperationContext of an authenticated HTTP request: principal, door, client address, agent, request id.
import type { FastifyRequest } from 'fastify';
import type { AuditSource } from '../audit/types.ts';
import { principalOf } from '../plugins/app/auth.ts';
import type { OperationContext } from '../audit/types.ts';

export function operationContextOf(request: FastifyRequest, source: AuditSource): OperationContext {
  return {
    principal: principalOf(request),
    source,
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: request.id,
  };
}
