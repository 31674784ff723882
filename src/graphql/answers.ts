// Which GraphQL answers may be kept (src/plugins/app/answer-cache.ts): only those of queries every resolved field of
// which is served from the swarm state through the request's reads. Every resolver not listed here refuses keeping the
// answer when it runs, so a field added later is never served from a kept answer until it is listed.
import type { FastifyRequest } from 'fastify';
import type { KeepAnswer } from '../plugins/app/answer-cache.ts';
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

/** The key of a GraphQL GET whose answer may be kept, or null (subscriptions, odd requests). */
function graphqlQueryKey(request: FastifyRequest): AnswerKey | null {
  if (request.method !== 'GET' || request.headers.upgrade) return null;
  const asked = request.query as
    { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
  const query = asked?.query;
  if (typeof query !== 'string' || query.length > LONGEST_DOCUMENT || mayChange(query)) return null;
  const variables = typeof asked?.variables === 'string' ? asked.variables : '';
  const operationName = typeof asked?.operationName === 'string' ? asked.operationName : '';
  return { document: query, variant: `GraphQL ${operationName} ${variables}` };
}

/** Whether the answer to a POST body could be kept: not if it may hold a mutation or a subscription. */
const graphqlBodyKeepable = (body: string) => !mayChange(body);

/** Longer POST bodies are not read ahead of the parser, so their answers are not kept. */
const LONGEST_BODY = 2 * LONGEST_DOCUMENT;

/**
 * The key of a GraphQL POST whose answer may be kept, from its body as sent (document, operation name and variables
 * in their JSON, or the document itself for application/graphql): the same body gets the same answer, and a kept
 * answer is found without parsing it. A mutation hidden from the substring test (a JSON escape) is still never kept:
 * its resolvers are not state fields, so they refuse keeping the answer.
 */
function graphqlBodyKey(request: FastifyRequest, body: string): AnswerKey | null {
  if (request.method !== 'POST') return null;
  return { document: body, variant: `GraphQL POST ${request.headers['content-type'] ?? ''}` };
}

/** `config.keepAnswer` of the /graphql routes: a GET by its query string, a POST by its body as sent. */
export const keptGraphqlAnswers: KeepAnswer = {
  ofRequest: graphqlQueryKey,
  ofBody: { maxBytes: LONGEST_BODY, keyOf: graphqlBodyKey, keepable: graphqlBodyKeepable },
};
