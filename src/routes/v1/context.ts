// What the /v1 subtree (./index.ts) gives every endpoint plugin: its only way to the gateway's queries and operations.
import type { FastifyRequest } from 'fastify';
import type { OperationContext } from '../../audit/types.ts';
import type { OperationDeps } from '../../operations/deps.ts';
import type { SwarmReads } from '../../queries/swarm-reads.ts';

export interface V1Context {
  /** The request's tenant-scoped swarm reads, built on first use and memoised for the rest of the request. */
  readsOf: (request: FastifyRequest) => SwarmReads;
  /** What operations need (registry, swarm clients, audit log...). */
  deps: OperationDeps;
  /** Who asks, for the audit: principal, client address, user agent, request id. */
  operationOf: (request: FastifyRequest) => OperationContext;
}
