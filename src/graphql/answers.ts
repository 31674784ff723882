// Which GraphQL answers may be kept (src/queries/answer-cache.ts): only those of queries every resolved field of which
// is served from the swarm state through the request's reads. Every resolver not listed here refuses keeping the
// answer when it runs, so a field added later is never served from a kept answer until it is listed.
import type { FastifyRequest } from 'fastify';
import type { AnswerKey } from '../queries/answer-cache.ts';
import type { GraphqlContext } from './context.ts';

/** Fields whose resolvers read only the swarm state (through `context.reads`, which records what it served). */
const STATE_FIELDS = new Set([
  'Query.version',
  'Query.swarm',
  'Swarm.labels',
  'Swarm.endpoints',
  'Swarm.createdAt',
  'Swarm.updatedAt',
  'Swarm.quorum',
  'Swarm.nodes',
  'Swarm.node',
  'Swarm.services',
  'Swarm.service',
  'Swarm.tasks',
  'Node.tasks',
  'Service.tasks',
  'Task.service',
  'Task.node',
]);

/** Longer documents are not kept (the key holds the document). */
const LONGEST_DOCUMENT = 8192;
/** Documents that may hold a mutation or a subscription are not kept (a plain substring test: cheap, and safe). */
const mayChange = (query: string) => query.includes('mutation') || query.includes('subscription');

type Resolver = (root: unknown, args: unknown, context: GraphqlContext, info: unknown) => unknown;

/** The resolvers, each one not in STATE_FIELDS wrapped to refuse keeping the answer of a request that runs it. */
export function refusingOutsideState<R extends Record<string, object>>(resolvers: R): R {
  const wrapped: Record<string, Record<string, unknown>> = {};
  for (const [type, fields] of Object.entries(resolvers)) {
    wrapped[type] = Object.fromEntries(
      Object.entries(fields).map(([field, resolve]) => {
        const name = `${type}.${field}`;
        if (STATE_FIELDS.has(name) || typeof resolve !== 'function') return [field, resolve];
        const original = resolve as Resolver;
        const refusing: Resolver = (root, args, context, info) => {
          context.recorder?.refuse(name);
          return original(root, args, context, info);
        };
        return [field, refusing];
      }),
    );
  }
  return wrapped as R;
}

/** The key of a GraphQL request whose answer may be kept, or null (mutations, subscriptions, odd requests). */
export function graphqlAnswerKey(request: FastifyRequest): AnswerKey | null {
  if (request.method !== 'POST' && request.method !== 'GET') return null;
  if (request.headers.upgrade) return null;
  const asked = (request.method === 'POST' ? request.body : request.query) as
    { query?: unknown; variables?: unknown; operationName?: unknown } | null | undefined;
  const query = asked?.query;
  if (typeof query !== 'string' || query.length > LONGEST_DOCUMENT || mayChange(query)) return null;
  const given = asked?.variables;
  const variables =
    given === undefined || given === null ? '' : typeof given === 'string' ? given : JSON.stringify(given);
  const operationName = typeof asked?.operationName === 'string' ? asked.operationName : '';
  return { document: query, variant: `GraphQL ${operationName} ${variables}` };
}
