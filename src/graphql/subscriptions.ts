// Subscriptions: who is subscribing (token in the upgrade request or in connection_init), and topic names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius, { type PubSub } from 'mercurius';
import type { Principal } from '../auth/principal.ts';
import { toClientError, unauthenticated } from '../errors.ts';
import { graphqlError } from './errors.ts';
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
          const { message, extensions } = graphqlError(client.message, client.code, client.details);
          throw new mercurius.ErrorWithProps(message, extensions);
        }
      },
    };
  }
  return wrapped as T;
}

/** The part of a `ws` socket the guard uses (the package comes with mercurius and ships no types). */
export interface GuardedSocket {
  readonly protocol: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  emit(event: 'message', data: unknown, isBinary: boolean): boolean;
}
export type WsHandler = (socket: GuardedSocket, request: FastifyRequest) => unknown;

/** graphql-ws's close codes: 4401 Unauthorized, 4408 Connection initialisation timeout. */
export const WS_UNAUTHORIZED = 4401;
export const WS_INIT_TIMEOUT = 4408;

/** A close reason fits in 123 bytes (RFC 6455); ours are ASCII but cut safely anyway. */
function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return cut;
}

function messageOf(data: unknown): { type?: unknown; payload?: unknown } | null {
  try {
    const text = Buffer.isBuffer(data) ? data.toString() : typeof data === 'string' ? data : null;
    const parsed: unknown = text === null ? null : JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : null;
  } catch {
    return null;
  }
}

/** The token of a connection_init payload: `{authorization}` or `{headers: {authorization}}`. */
function authorizationOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const init = payload as Record<string, unknown>;
  const headers = (typeof init.headers === 'object' && init.headers !== null ? init.headers : init) as Record<
    string,
    unknown
  >;
  const authorization = headers.authorization ?? headers.Authorization;
  return typeof authorization === 'string' ? authorization : null;
}

/**
 * Wraps mercurius's WebSocket handler so that no socket stays open unauthenticated. A socket whose upgrade carried a
 * verified token is handed over at once; it must still send connection_init within `timeoutMs`. Any other socket is
 * held here until its first message: a connection_init whose payload holds a valid token (`authorization: "Bearer
 * <JWT>"`) hands it over to mercurius (which then sees that message and the ones sent meanwhile, in order); anything
 * else closes it with 4401 and the reason (on the legacy protocol a connection_error comes first). A socket that sends
 * no connection_init within `timeoutMs` is closed with 4408.
 */
export function guardedWsHandler(
  handler: WsHandler,
  options: { timeoutMs: number; authenticate: (request: FastifyRequest) => Promise<unknown> },
): WsHandler {
  return (socket, request) => {
    // Unknown subprotocols are refused by mercurius (1002) at once.
    if (socket.protocol !== 'graphql-ws' && socket.protocol !== 'graphql-transport-ws')
      return handler(socket, request);
    const legacy = socket.protocol === 'graphql-ws';
    let closed = false;
    const refuse = (code: number, reason: string) => {
      clearTimeout(timer);
      if (closed) return;
      closed = true;
      if (legacy) {
        socket.send(
          JSON.stringify({
            type: 'connection_error',
            payload: graphqlError(reason, 'UNAUTHENTICATED'),
          }),
        );
      }
      socket.close(code, closeReason(reason));
    };
    const timer = setTimeout(
      () =>
        refuse(
          WS_INIT_TIMEOUT,
          `Connection initialisation timeout: no connection_init within ${options.timeoutMs} ms`,
        ),
      options.timeoutMs,
    );
    timer.unref();
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
    });

    if (request.principal) {
      const watch = (data: unknown) => {
        if (messageOf(data)?.type !== 'connection_init') return;
        clearTimeout(timer);
        socket.removeListener('message', watch);
      };
      socket.on('message', watch);
      return handler(socket, request);
    }

    const held: [unknown, boolean][] = [];
    let verifying = false;
    const hold = (data: unknown, isBinary: boolean) => {
      if (closed) return;
      if (verifying) {
        held.push([data, isBinary]);
        return;
      }
      const message = messageOf(data);
      if (message?.type !== 'connection_init') {
        refuse(
          WS_UNAUTHORIZED,
          'Unauthorized: send connection_init with "authorization": "Bearer <JWT>" first',
        );
        return;
      }
      const authorization = authorizationOf(message.payload);
      if (authorization === null) {
        refuse(
          WS_UNAUTHORIZED,
          'Unauthorized: the connection_init payload needs "authorization": "Bearer <JWT>"',
        );
        return;
      }
      verifying = true;
      request.headers.authorization = authorization;
      options.authenticate(request).then(
        () => {
          socket.removeListener('message', hold);
          if (closed) return;
          clearTimeout(timer);
          // mercurius's handler listens from its first (synchronous) step on: it then reads these messages again.
          void handler(socket, request);
          socket.emit('message', data, isBinary);
          for (const [later, binary] of held) socket.emit('message', later, binary);
        },
        (error: unknown) => refuse(WS_UNAUTHORIZED, `Unauthorized: ${toClientError(error).message}`),
      );
    };
    socket.on('message', hold);
    return undefined;
  };
}
