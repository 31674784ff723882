// The one GraphQL-over-WebSocket client of the tests, on the `ws` package that comes with mercurius (it ships no
// types): either subprotocol mercurius speaks, graphql-transport-ws or the legacy graphql-ws
// (subscriptions-transport-ws). Every message the server sends is recorded; a test waits for the one it needs.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/** The part of the `ws` client used here. */
interface WebSocket extends EventEmitter {
  readonly protocol: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  address: string,
  protocols: string[],
  options?: { headers?: Record<string, string> },
) => WebSocket;

export type GraphqlWsProtocol = 'graphql-transport-ws' | 'graphql-ws';

/** Message types of the two subprotocols (graphql-ws is the legacy subscriptions-transport-ws). */
const SIGNALS = {
  'graphql-transport-ws': { subscribe: 'subscribe', data: 'next' },
  'graphql-ws': { subscribe: 'start', data: 'data' },
} as const;

/** How long opening, initialising and waiting for a message take at most unless told otherwise. */
export const WS_WAIT_MS = 10_000;

export interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface Closed {
  code: number;
  reason: string;
}

export interface OpenOptions {
  /** The subprotocol asked for (graphql-transport-ws unless told). */
  protocol?: GraphqlWsProtocol;
  /** Headers of the upgrade request (an Authorization header, for one). */
  headers?: Record<string, string>;
  /** How long the socket may take to open. */
  timeoutMs?: number;
}

export class GraphqlWsClient {
  /** Every message the server sent, in order (a frame that is not JSON is kept as type "(not JSON)"). */
  readonly messages: ServerMessage[] = [];
  /** Settles when the socket closes, with the close code and reason. */
  readonly closed: Promise<Closed>;
  private closedWith: Closed | null = null;
  private error: Error | null = null;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly socket: WebSocket,
    readonly protocol: GraphqlWsProtocol,
  ) {
    const wake = () => {
      for (const waiter of this.waiters) waiter();
    };
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      try {
        this.messages.push(JSON.parse(text) as ServerMessage);
      } catch {
        this.messages.push({ type: '(not JSON)', payload: text });
      }
      wake();
    });
    // An error after the socket opened is kept (and shown by a wait that fails), never thrown out of the test.
    socket.on('error', (error: Error) => {
      this.error = error;
      wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code: number, reason: Buffer) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
        wake();
      }),
    );
  }

  /** Opens a socket to `url` (ws://HOST:PORT/graphql); fails when it does not open within the time-out. */
  static async open(url: string, options: OpenOptions = {}): Promise<GraphqlWsClient> {
    const protocol = options.protocol ?? 'graphql-transport-ws';
    const timeoutMs = options.timeoutMs ?? WS_WAIT_MS;
    const socket = new WebSocket(url, [protocol], { headers: options.headers ?? {} });
    // Listening from the start: nothing the server sends or does right after the upgrade is missed.
    const client = new GraphqlWsClient(socket, protocol);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`no WebSocket to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return client;
  }

  /** The subprotocol the server accepted. */
  get acceptedProtocol(): string {
    return this.socket.protocol;
  }

  /** The socket's state (1: open). */
  get readyState(): number {
    return this.socket.readyState;
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Sends connection_init (with `payload` when given) and fails unless the server acknowledges it. */
  async init(payload?: Record<string, unknown>, timeoutMs = WS_WAIT_MS): Promise<void> {
    this.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
    await this.next(
      (message) => message.type === 'connection_ack' || message.type === 'connection_error',
      timeoutMs,
    );
    assert.ok(
      this.messages.some((message) => message.type === 'connection_ack'),
      `connection_init not acknowledged: ${JSON.stringify(this.messages)}`,
    );
  }

  /** Starts subscription `id` with the subprotocol's own message (subscribe, or start for graphql-ws). */
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({
      id,
      type: SIGNALS[this.protocol].subscribe,
      payload: { query, ...(variables ? { variables } : {}) },
    });
  }

  /** The first message (received already or to come) matching `predicate`; undefined when none does in time. */
  waitFor(
    predicate: (message: ServerMessage) => boolean,
    timeoutMs: number,
  ): Promise<ServerMessage | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.messages.find(predicate);
        // A closed socket receives nothing more.
        if (found || this.closedWith) finish(found);
      };
      const finish = (found: ServerMessage | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Like waitFor(), but fails the test, saying what was received, when nothing matches in time. */
  async next(predicate: (message: ServerMessage) => boolean, timeoutMs = WS_WAIT_MS): Promise<ServerMessage> {
    const found = await this.waitFor(predicate, timeoutMs);
    if (found) return found;
    assert.fail(
      `no matching message within ${timeoutMs} ms` +
        (this.closedWith ? ` (the socket closed: ${JSON.stringify(this.closedWith)})` : '') +
        (this.error ? ` (socket error: ${this.error.message})` : '') +
        `; received: ${JSON.stringify(this.messages)}`,
    );
  }

  /** The `data` of every result delivered to subscription `id` so far (next, or data for graphql-ws). */
  data<T>(id: string): T[] {
    return this.messages.flatMap((message) => {
      if (message.id !== id || message.type !== SIGNALS[this.protocol].data) return [];
      const data = (message.payload as { data?: T | null } | undefined)?.data;
      return data === undefined || data === null ? [] : [data];
    });
  }

  /** The first result of subscription `id` (delivered already or to come) whose `data` matches `predicate`. */
  async nextData<T>(id: string, predicate: (data: T) => boolean, timeoutMs = WS_WAIT_MS): Promise<T> {
    const isMatch = (message: ServerMessage) => {
      if (message.id !== id || message.type !== SIGNALS[this.protocol].data) return false;
      const data = (message.payload as { data?: T | null } | undefined)?.data;
      return data !== undefined && data !== null && predicate(data);
    };
    const message = await this.next(isMatch, timeoutMs);
    return (message.payload as { data: T }).data;
  }

  /** How the server closed the socket; fails when it is still open after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<Closed> {
    const timeout = new Promise<never>((_resolve, reject) =>
      setTimeout(
        () => reject(new Error(`the socket is still open after ${timeoutMs} ms`)),
        timeoutMs,
      ).unref(),
    );
    return Promise.race([this.closed, timeout]);
  }

  /** Closes the socket with a close frame. */
  close(code?: number): void {
    this.socket.close(code);
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.socket.terminate();
  }
}

/** What the server answers to a WebSocket upgrade it refuses: the HTTP status and body. */
export function refusedUpgrade(
  url: string,
  headers: Record<string, string>,
  timeoutMs = WS_WAIT_MS,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['graphql-transport-ws'], { headers });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no answer to the upgrade within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('open', () => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('unexpected-response', (request: { destroy(): void }, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    // After unexpected-response, destroying the request surfaces as an error: the answer is already in.
    socket.on('error', () => undefined);
  });
}
