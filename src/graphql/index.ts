// Mercurius setup: the SDL, resolvers, per-request context, authentication and error formatting.
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import { GraphQLError, specifiedRules, validate, type ValidationRule } from 'graphql';
import mercurius from 'mercurius';
import type { GraphqlContext } from './context.ts';
import { formatExecution, graphqlRefusal } from './errors.ts';
import {
  answerMessage,
  costRefusal,
  depthMessage,
  documentMessage,
  introspectionOffRule,
  limitRules,
  MAX_TOKENS,
  RefusedDocuments,
  selectionDepthOf,
  type GraphqlLimits,
} from './limits.ts';
import { resolvers, subscriptionResolvers } from './resolvers/index.ts';
import { controlCharacterRule, refuseControlCharactersInVariables } from './rules/control-characters.ts';
import { guardedWsHandler, withSubscribeErrorCodes, type WsHandler } from './subscriptions.ts';
import { loadSchemaSource } from './schema.ts';
import { toClientError } from '../errors.ts';
import { operationDepsOf } from '../operations/deps.ts';
import { operationContextOf } from '../operations/request-context.ts';
import { requireAuth } from '../plugins/app/auth.ts';
import { recorderOf } from '../plugins/app/answer-cache.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';
import { declaredHooks, hooksOf } from '../util/hooks.ts';
import { keptGraphqlAnswers, refusingOutsideState } from './answers.ts';

export interface GraphqlPluginOptions {
  /** config.graphql: the bounds of one operation, the answer's size and introspection. */
  graphql: GraphqlLimits & {
    limits: boolean;
    maxAnswerBytes: number;
    maxDocumentLength: number;
    introspection: boolean;
  };
  /** A WebSocket that has not authenticated within this long is closed (4408). */
  wsAuthTimeoutMs: number;
}

/** The operation name a GraphQL request names (POST body or GET query string), for the cost of its operation. */
function operationNameOf(request: FastifyRequest | undefined): string | undefined {
  const asked = (request?.method === 'GET' ? request.query : request?.body) as
    { operationName?: unknown } | undefined;
  return typeof asked?.operationName === 'string' ? asked.operationName : undefined;
}

/** An answer over `maxBytes` (a string or bytes about to be sent) as its replacement, or null when it fits. */
function oversizedAnswer(payload: unknown, maxBytes: number): string | null {
  let bytes: number;
  if (typeof payload === 'string') {
    // A UTF-16 unit is at most 3 bytes of UTF-8: most answers are judged without measuring them.
    if (payload.length * 3 <= maxBytes) return null;
    bytes = Buffer.byteLength(payload);
  } else if (Buffer.isBuffer(payload)) bytes = payload.length;
  else return null;
  if (bytes <= maxBytes) return null;
  return JSON.stringify(graphqlRefusal(answerMessage(bytes, maxBytes), 'QUERY_TOO_COMPLEX'));
}

/**
 * What is wrong with a POST body as a GraphQL request, or null. mercurius's schema would coerce a number to a
 * string document, or pass on what GraphQL then fails on with an internal error.
 */
function problemOfBody(body: unknown): string | null {
  const shape =
    'the body must be a JSON object: {"query": string, "variables"?: object, "operationName"?: string}';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return shape;
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return `${shape}; "query" is missing or not a string`;
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  )
    return `${shape}; "variables" is not an object`;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return `${shape}; "operationName" is not a string`;
  return null;
}

/**
 * What refuses the request's document before it is parsed, or null: a document longer than `max` characters (POST
 * body or GET query string), or one the limit rules refused before.
 */
function refusalBeforeParsing(request: FastifyRequest, max: number, refused: RefusedDocuments | null) {
  const source = request.method === 'POST' ? request.body : request.query;
  const query = (source as { query?: unknown } | null)?.query;
  if (typeof query !== 'string') return null;
  if (query.length > max) return documentMessage(query.length, max);
  if (refused === null) return null;
  const known = refused.lookup(query);
  if (known !== undefined) return known;
  const depth = selectionDepthOf(query);
  return depth > refused.maxDepth ? depthMessage(depth, refused.maxDepth) : null;
}

/** Encapsulated on purpose: the authentication hook below applies to the GraphQL routes only. */
export default async function graphqlPlugin(
  app: FastifyInstance,
  options: GraphqlPluginOptions,
): Promise<void> {
  // Every GraphQL request needs a token (the GraphiQL page, ./graphiql.ts, is outside this plugin and sends the token
  // with its queries). A WebSocket upgrade may instead carry it in connection_init (browsers cannot set headers):
  // checked by guardedWsHandler before mercurius sees the socket.
  // A refusal is answered here rather than thrown: mercurius's error handler first builds the GraphQL context,
  // which needs the principal, and that failure would replace this one's message ("expired"...) with a generic one.
  const authenticate: preValidationHookHandler = (request, reply, done) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket' && !request.headers.authorization)
      return done();
    // A token verified lately passes without a promise in between (callback-style hook).
    if (request.principal || app.knownPrincipal(request)) return done();
    requireAuth(request, reply).then(
      () => done(),
      (error: unknown) => {
        const client = toClientError(error);
        void reply.code(client.statusCode).send(graphqlRefusal(client.message, client.code));
      },
    );
  };
  // A GET or a POST is authenticated at onRequest, before its kept answer is looked for (a GET's from its query string
  // at onRequest, a POST's from its body as sent at preParsing: see answers.ts). A WebSocket upgrade is a GET too,
  // but is authenticated at preValidation: @fastify/websocket takes the connection over only after onRequest, and a
  // refusal sent earlier would leave the socket open. So are other methods (mercurius answers them 405 or its
  // GraphiQL files).
  const early = (request: FastifyRequest) =>
    (request.method === 'GET' && !request.headers.upgrade) || request.method === 'POST';
  app.addHook('onRequest', (request, reply, done) => {
    if (!early(request)) return done();
    authenticate.call(app, request, reply, done);
  });
  // A document longer than its bound is refused before it is parsed: reading 2,000 aliases up to the parser's token
  // limit costs far more than measuring their length (what a request may carry at length is its variables).
  const maxDocument = options.graphql.limits ? options.graphql.maxDocumentLength : Infinity;
  const refused = options.graphql.limits ? new RefusedDocuments(options.graphql.maxDepth) : null;
  app.addHook('preValidation', (request, reply, done) => {
    if (!early(request)) return authenticate.call(app, request, reply, done);
    const problem = request.method === 'POST' ? problemOfBody(request.body) : null;
    const tooLong = problem === null ? refusalBeforeParsing(request, maxDocument, refused) : null;
    const refusal =
      problem !== null
        ? graphqlRefusal(problem, 'BAD_INPUT')
        : tooLong !== null
          ? graphqlRefusal(tooLong, 'QUERY_TOO_COMPLEX')
          : null;
    if (refusal === null) return done();
    void reply.code(400).send(refusal);
  });
  // Before the answer cache's onSend (a route's own hooks run after its context's): an answer refused here (400) is
  // never kept.
  const { maxAnswerBytes } = options.graphql;
  app.addHook('onSend', (request, reply, payload, done) => {
    const refusal = oversizedAnswer(payload, maxAnswerBytes);
    if (refusal === null) return done(null, payload);
    request.log.warn({ maxAnswerBytes }, 'GraphQL answer over its size limit refused');
    void reply.code(400).header('content-type', 'application/json; charset=utf-8');
    done(null, refusal);
  });

  app.addHook('onRoute', (route) => {
    if (route.url !== '/graphql') return;
    // mercurius declares one onRequest hook on its routes, an async one that applies its CSRF prevention, off here
    // (csrfPrevention: false; the API takes bearer tokens, never cookies) but a promise on every request: dropped.
    // Only it: the hooks plugins added to the route (src/util/hooks.ts: kept answers...) stay.
    const declared = declaredHooks(route.onRequest);
    if (declared.length === 1)
      route.onRequest = hooksOf(route.onRequest).filter((hook) => hook !== declared[0]);
    // No WebSocket stays open unauthenticated (src/graphql/subscriptions.ts).
    const wsHandler = (route as { wsHandler?: WsHandler }).wsHandler;
    if (typeof wsHandler === 'function') {
      (route as { wsHandler?: WsHandler }).wsHandler = guardedWsHandler(wsHandler, {
        timeoutMs: options.wsAuthTimeoutMs,
        authenticate: (request) => app.authenticate(request),
      });
    }
  });

  const { limits, introspection } = options.graphql;
  const validationRules: ValidationRule[] = [
    controlCharacterRule,
    ...(introspection ? [] : [introspectionOffRule]),
    ...(refused ? limitRules(options.graphql, refused) : []),
  ];

  const deps = operationDepsOf(app);
  await app.register(mercurius, {
    schema: loadSchemaSource(),
    // The generated Resolvers type is stricter than mercurius's own IResolvers; the shapes are the same.
    resolvers: {
      ...refusingOutsideState(resolvers),
      ...subscriptionResolvers,
      Subscription: withSubscribeErrorCodes(subscriptionResolvers.Subscription),
    } as unknown as mercurius.IResolvers,
    subscription: { emitter: app.events.emitter, context: () => ({ deps }) },
    // GraphiQL is served by ./graphiql.ts from npm packages (mercurius's loads its assets from a CDN).
    graphiql: false,
    path: '/graphql',
    // Its routes' answers may be kept (src/plugins/app/answer-cache.ts; ./answers.ts says which).
    additionalRouteOptions: { config: { keepAnswer: keptGraphqlAnswers } },
    csrfPrevention: false,
    validationRules,
    // graphql's parser stops reading a document past MAX_TOKENS tokens.
    ...(limits ? { graphql: { parseOptions: { maxTokens: MAX_TOKENS } } } : {}),
    context: (request: FastifyRequest): GraphqlContext => {
      const operation = operationContextOf(request, 'graphql');
      const recorder = recorderOf(request);
      return {
        principal: operation.principal,
        reads: createSwarmReads(
          { registry: app.registry, swarmClients: app.swarmClients, recorder },
          operation.principal,
        ),
        deps,
        operation,
        recorder,
      };
    },
    errorFormatter: (execution, context) => formatExecution(execution, context.reply?.log ?? app.log),
  });
  // Variables holding control characters are refused (BAD_INPUT naming the variable) before anything runs.
  app.graphql.addHook('preExecution', refuseControlCharactersInVariables);
  if (limits) {
    // The cost of an operation with variables is known once they are (the rest was validated with the document).
    const { maxCost } = options.graphql;
    app.graphql.addHook('preExecution', (schema, document, context, variables) => {
      const refusal = costRefusal(
        schema,
        document,
        variables,
        operationNameOf(context.reply?.request),
        maxCost,
      );
      return refusal ? Promise.reject(refusal) : Promise.resolve();
    });
  }
  // mercurius neither validates a subscription's document nor bounds it: the same rules as for queries, here.
  app.graphql.addHook('preSubscriptionExecution', (schema, document) => {
    let error: GraphQLError | undefined;
    try {
      [error] = validate(schema, document, [...specifiedRules, ...validationRules], { maxErrors: 10 });
    } catch (thrown) {
      // The limit rules throw their refusal (src/graphql/limits.ts).
      if (!(thrown instanceof GraphQLError)) throw thrown;
      error = thrown;
    }
    if (!error) return Promise.resolve();
    const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'BAD_INPUT';
    return Promise.reject(
      new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code } }),
    );
  });
  // An answer with errors is never kept (the failure may be transient, and it would be served again).
  app.graphql.addHook('onResolution', (execution, context) => {
    if (execution.errors?.length) recorderOf(context.reply.request)?.refuse('errors');
    return Promise.resolve();
  });
}
