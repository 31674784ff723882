// Subscriptions: who is subscribing (token in the upgrade request or in connection_init), and topic names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius, { type PubSub } from 'mercurius';
import type { Principal } from '../auth/principal.ts';
import { toClientError, unauthenticated } from '../errors.ts';
import { refusedCharacterInArguments } from './rules/control-characters.ts';

/** What mercurius gives a subscription's resolvers. */
export interface SubscriptionContext {
  app: FastifyInstance;
  pubsub: PubSub;
  request: FastifyRequest;
  /** The payload of the client's connection_init message. */
  _connectionInit?: Record<string, unknown> | undefined;
}

/**
 * The subscriber: a token sent with the WebSocket upgrade (Authorization header) is already verified by the
 * /graphql hook; otherwise the connection_init payload must carry `authorization: "Bearer <JWT>"` (browsers
 * cannot set headers on a WebSocket).
 */
export async function subscriberOf(context: SubscriptionContext): Promise<Principal> {
  if (context.request.principal) return context.request.principal;
  const init = context._connectionInit ?? {};
  const headers = (typeof init.headers === 'object' && init.headers !== null ? init.headers : init) as Record<
    string,
    unknown
  >;
  const authorization = headers.authorization ?? headers.Authorization;
  if (typeof authorization !== 'string') {
    throw unauthenticated(
      'a subscription needs a token: send "Authorization: Bearer <JWT>" with the upgrade or in connection_init',
    );
  }
  context.request.headers.authorization = authorization;
  return context.app.authenticate(context.request);
}

/**
 * Wraps every field's `subscribe` so that a refusal reaches the client with our code in extensions.code: mercurius
 * sends an error thrown while subscribing as it is, without the errorFormatter. Internal messages are hidden and
 * logged, as the formatter does for queries.
 */
export function withSubscribeErrorCodes<T extends object>(fields: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const subscribe = (field as { subscribe?: unknown }).subscribe;
    if (typeof subscribe !== 'function') {
      wrapped[name] = field;
      continue;
    }
    wrapped[name] = {
      ...(field as object),
      subscribe: async (root: unknown, args: unknown, context: SubscriptionContext, info: unknown) => {
        try {
          // Variables holding control characters (a subscription's variables reach no preExecution hook).
          const refusal = refusedCharacterInArguments(args);
          if (refusal) throw refusal;
          return await (subscribe as (...params: unknown[]) => unknown)(root, args, context, info);
        } catch (error) {
          const client = toClientError(error);
          if (client.code === 'INTERNAL')
            context.app.log.error({ err: error }, 'GraphQL subscription failed');
          throw new mercurius.ErrorWithProps(client.message, {
            code: client.code,
            ...(client.details ? { details: client.details } : {}),
          });
        }
      },
    };
  }
  return wrapped as T;
}
