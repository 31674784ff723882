// The shape of the reads of one swarm: GET, the swarm in the caller's reach first (404 otherwise), then the read.
// Page reads take `first`, `after` and `fresh` beside their filter; item reads take `fresh`.
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { SwarmReads } from '../../queries/swarm-reads.ts';
import type { SwarmRecord } from '../../registry/repository.ts';
import { keptByUrl, type V1Context } from './context.ts';
import { problemResponses } from './schemas.ts';

export interface SwarmReadRoute<P extends { swarm: string }, Q> {
  url: string;
  /** Its answers may be kept while the swarm state they were built from is unchanged (config.keepAnswer). */
  kept: boolean;
  /** The route's schema; its 200 answer is `answer`, and 400, 404 and 503 are added. */
  schema: Omit<FastifySchema, 'response'>;
  answer: object;
  read: (reads: SwarmReads, swarm: SwarmRecord, params: P, query: Q) => unknown;
}

export function swarmReadRoute<P extends { swarm: string }, Q = unknown>(
  app: FastifyInstance,
  { readsOf }: V1Context,
  route: SwarmReadRoute<P, Q>,
): void {
  app.get(
    route.url,
    {
      ...(route.kept ? { config: { keepAnswer: keptByUrl } } : {}),
      schema: { ...route.schema, response: { 200: route.answer, ...problemResponses(400, 404, 503) } },
    },
    async (request: FastifyRequest) => {
      // As the route's schema admitted them (params and querystring are validated before the handler runs).
      const params = request.params as P;
      const reads = readsOf(request);
      return route.read(reads, await reads.getSwarm(params.swarm), params, request.query as Q);
    },
  );
}

/** What a page read's query holds besides its filter. */
export type PageQuery<F> = F & { first?: number; after?: string; fresh?: boolean };

/** The read of a page route: the filter, the page and `fresh` from the query string, handed to the query. */
export function pageRead<F, P extends { swarm: string }>(
  list: (reads: SwarmReads, swarm: SwarmRecord, filter: F, first?: number, after?: string) => unknown,
): SwarmReadRoute<P, PageQuery<F>>['read'] {
  return (reads, swarm, _params, query) => {
    const { first, after, fresh, ...filter } = query;
    return list(reads.withFresh(fresh), swarm, filter as F, first, after);
  };
}
