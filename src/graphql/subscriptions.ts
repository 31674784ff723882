// Subscriptions: who is subscribing (token in the upgrade request or in connection_init), and topic names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PubSub } from 'mercurius';
import type { Principal } from '../auth/principal.ts';
import { unauthenticated } from '../errors.ts';

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

export const auditTopic = (tenant: string) => `audit/${tenant}`;
/** Every tenant's audit events (platform-admin). */
export const ALL_AUDIT_TOPICS = 'audit/+';
