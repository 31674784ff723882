// A small typed transport for swarmgate's GraphQL API, usable by any service: queries and mutations over HTTP (fetch),
// subscriptions over WebSocket with the graphql-transport-ws protocol that mercurius speaks. Every call takes one of
// the typed documents in ./generated/documents.ts, so variables and results are checked against the schema.
//
// The token is asked for on every call (`token()`), so a caller that acts for many users (the chatops bot) or
// refreshes short-lived tokens keeps one client per user or one for all, as it likes.
import { createRequire } from 'node:module';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A GraphQL error as swarmgate sends it: `extensions.code` is one of the catalogue's codes. */
export interface GatewayErrorEntry {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string };
}

/**
 * What a call failed with: the gateway's code and message (FORBIDDEN, NOT_FOUND, QUORUM_AT_RISK...), or the
 * transport's own: UNREACHABLE (no answer), BAD_ANSWER (an answer that is not GraphQL), SUBSCRIPTION_CLOSED.
 */
export class GatewayCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors: readonly GatewayErrorEntry[] = [],
  ) {
    super(message);
    this.name = 'GatewayCallError';
  }

  static of(errors: readonly GatewayErrorEntry[]): GatewayCallError {
    const first = errors[0];
    return new GatewayCallError(
      first?.extensions?.code ?? 'INTERNAL',
      first?.message ?? 'unknown error',
      errors,
    );
  }
}

/** The part of the WHATWG WebSocket the transport uses; Node 22's global, a browser's, and the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

export interface GatewayClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql; subscriptions use the same path over ws(s)://. */
  url: string;
  /** The bearer token for the next call. */
  token: () => string | Promise<string>;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Defaults to the global WebSocket (Node 22+, browsers), else the `ws` package. */
  webSocket?: WebSocketConstructor;
  /** How long a call, or a subscription's handshake, may take (default 30 s). */
  timeoutMs?: number;
}

/** A running subscription: its results in order; `close()` ends it (the iteration then ends too). */
export interface Subscription<R> extends AsyncIterable<R> {
  close(): void;
}

export interface GatewayClient {
  /** Runs a query or mutation; any error in the answer throws a GatewayCallError (the first error's code). */
  request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;
  /** Like request(), but answers partial data with its errors (a swarm that cannot be reached among others). */
  requestPartial<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<{ data: R | null; errors: readonly GatewayErrorEntry[] }>;
  /** Starts a subscription once the server acknowledged the connection; a refused one throws its error. */
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<Subscription<R>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? fetch;

  async function requestPartial<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<{ data: R | null; errors: readonly GatewayErrorEntry[] }> {
    // Outside the try below: a caller's own failure to give a token is its error, not an unreachable gateway.
    const token = await options.token();
    let response: Response;
    try {
      response = await fetchImpl(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: print(document), variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GatewayCallError('UNREACHABLE', `the gateway did not answer: ${describe(error)}`);
    }
    // mercurius answers GraphQL errors with 200, 400 or 401 alike, always as JSON.
    const body = (await response.json().catch(() => null)) as {
      data?: R | null;
      errors?: GatewayErrorEntry[];
    } | null;
    if (!body || typeof body !== 'object') {
      throw new GatewayCallError(
        'BAD_ANSWER',
        `the gateway answered HTTP ${response.status} without GraphQL`,
      );
    }
    return { data: body.data ?? null, errors: body.errors ?? [] };
  }

  async function request<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<R> {
    const { data, errors } = await requestPartial(document, variables);
    if (errors.length > 0) throw GatewayCallError.of(errors);
    if (data === null) throw new GatewayCallError('BAD_ANSWER', 'the gateway answered no data');
    return data;
  }

  async function subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
  ): Promise<Subscription<R>> {
    const WebSocketImpl = options.webSocket ?? defaultWebSocket();
    const socket = new WebSocketImpl(webSocketUrl(options.url), 'graphql-transport-ws');
    const subscription = new SocketSubscription<R>(socket);
    await subscription.start(await options.token(), print(document), variables, timeoutMs);
    return subscription;
  }

  return { request, requestPartial, subscribe };
}

/** http(s)://host/graphql → ws(s)://host/graphql */
function webSocketUrl(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  return parsed.toString();
}

function defaultWebSocket(): WebSocketConstructor {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  // The `ws` package ships no types; its client implements the WHATWG interface used here.
  return global ?? (createRequire(import.meta.url)('ws') as WebSocketConstructor);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? error.cause.message : error.message;
  return String(error);
}

interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** One subscription on its own socket: results are queued until read, so none is lost while the reader is busy. */
class SocketSubscription<R> implements Subscription<R> {
  private readonly results: R[] = [];
  private ended: GatewayCallError | 'done' | null = null;
  private wake: (() => void) | null = null;
  /** Settles start(): set until the server acknowledged the connection. */
  private handshake: { resolve(): void; reject(error: GatewayCallError): void } | null = null;

  constructor(private readonly socket: WebSocketLike) {}

  /** Opens the connection, authenticates with `token`, subscribes; fails when the server refuses or is silent. */
  start(token: string, query: string, variables: Record<string, unknown>, timeoutMs: number): Promise<void> {
    const started = new Promise<void>((resolve, reject) => (this.handshake = { resolve, reject }));
    const timer = setTimeout(
      () => this.end(new GatewayCallError('UNREACHABLE', `no subscription within ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.socket.onopen = () =>
      // The token goes in connection_init's payload, never in the URL (which proxies log).
      this.socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
      );
    this.socket.onmessage = (event) => this.receive(String(event.data), query, variables);
    this.socket.onerror = () => undefined;
    this.socket.onclose = (event) =>
      this.finish(
        new GatewayCallError(
          'SUBSCRIPTION_CLOSED',
          `the gateway closed the subscription (${event.code}${event.reason ? `: ${event.reason}` : ''})`,
        ),
      );
    return started.finally(() => clearTimeout(timer));
  }

  private receive(text: string, query: string, variables: Record<string, unknown>): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'connection_ack':
        this.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        // graphql-transport-ws does not acknowledge a subscribe: the subscription runs from here.
        this.handshake?.resolve();
        this.handshake = null;
        return;
      case 'ping':
        this.socket.send(JSON.stringify({ type: 'pong' }));
        return;
      case 'next': {
        const payload = message.payload as { data?: R | null; errors?: GatewayErrorEntry[] } | undefined;
        if (payload?.errors?.length) return this.end(GatewayCallError.of(payload.errors));
        if (payload?.data) this.results.push(payload.data);
        this.wake?.();
        return;
      }
      case 'error':
      case 'connection_error': {
        const payload = message.payload;
        const errors = Array.isArray(payload)
          ? (payload as GatewayErrorEntry[])
          : [payload as GatewayErrorEntry];
        return this.end(GatewayCallError.of(errors));
      }
      case 'complete':
        return this.end('done');
      default:
        return;
    }
  }

  /** Ends the subscription and closes its socket. */
  private end(ending: GatewayCallError | 'done'): void {
    this.finish(ending);
    this.socket.close(1000);
  }

  /** Records the first ending: a reader is woken, a handshake under way fails with it. */
  private finish(ending: GatewayCallError | 'done'): void {
    this.ended ??= ending;
    if (this.handshake) {
      if (this.ended === 'done') this.handshake.resolve();
      else this.handshake.reject(this.ended);
      this.handshake = null;
    }
    this.wake?.();
  }

  close(): void {
    this.end('done');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<R> {
    try {
      for (;;) {
        const next = this.results.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.ended === 'done') return;
        if (this.ended) throw this.ended;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    } finally {
      // A reader that stops early (break, return, throw) ends the subscription.
      if (this.ended === null) this.close();
    }
  }
}
