// What the /v1 subtree (./index.ts) gives every endpoint plugin: its only way to the gateway's queries and operations,
// and the route option of the reads whose answers may be kept.
import type { FastifyRequest } from 'fastify';
import type { OperationContext } from '../../audit/types.ts';
import type { OperationDeps } from '../../operations/deps.ts';
import type { KeepAnswer } from '../../plugins/app/answer-cache.ts';
import type { SwarmReads } from '../../queries/swarm-reads.ts';

export interface V1Context {
  /** The request's tenant-scoped swarm reads, built on first use and memoised for the rest of the request. */
  readsOf: (request: FastifyRequest) => SwarmReads;
  /** What operations need (registry, swarm clients, audit log...). */
  deps: OperationDeps;
  /** Who asks, for the audit: principal, client address, user agent, request id. */
  operationOf: (request: FastifyRequest) => OperationContext;
}

/**
 * `config.keepAnswer` of the reads whose answers may be kept (src/plugins/app/answer-cache.ts), named by their URL.
 * The lookup runs at onRequest, after authentication and before the query string is validated: only answers of
 * requests that passed validation are kept, and the same URL passes it again (a bad query string misses, and is
 * refused by validation as before). The query string is not coerced yet: any `fresh` parameter makes a read not kept.
 */
export const keptByUrl: KeepAnswer = {
  ofRequest: (request) =>
    'fresh' in (request.query as object) ? null : { document: request.url, variant: 'REST' },
};
