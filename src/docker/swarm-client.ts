// One swarm's Docker access: every call goes to a reachable manager, failing over between its endpoints.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { GatewayError } from '../errors.ts';
import { TimeoutError, withTimeout } from '../util/timeout.ts';
import { createDockerClient, type EngineEndpoint } from './endpoint.ts';
import { engineFailureShort, isEndpointFailure, toGatewayError } from './errors.ts';

export interface EndpointState {
  url: string;
  /** null until the endpoint has been asked once. */
  up: boolean | null;
  error: string | null;
  checkedAt: Date | null;
}

export interface DockerCallEvent {
  swarm: string;
  endpoint: string;
  operation: string;
  ok: boolean;
  durationMs: number;
}

export interface SwarmClientOptions {
  timeoutMs: number;
  onCall?: (event: DockerCallEvent) => void;
  /**
   * Why an endpoint must not be used (the endpoint policy, for endpoints stored before it), or null. A refused
   * endpoint is never connected to; it shows as down with this reason.
   */
  refusalOf?: (endpoint: EngineEndpoint) => string | null;
}

interface Slot {
  endpoint: EngineEndpoint;
  docker: Dockerode;
  state: EndpointState;
  /** Set: never connected to (see SwarmClientOptions.refusalOf). */
  refusal: string | null;
}

/** One message of Docker's events stream (GET /events), as Engine API 1.41 sends it. */
export interface DockerEventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope?: 'local' | 'swarm';
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds. */
  timeNano: number;
}

export interface EventsQuery {
  /** Docker's event filters, e.g. `{ scope: ['swarm'], type: ['node', 'service'] }`. */
  filters: Record<string, string[]>;
  /** Replays the events the manager still holds from this Unix second on, before the live ones. */
  since?: number | undefined;
  /** Endpoints (URLs) to try last: a watcher's manager that just failed it may still accept the stream. */
  tryLast?: readonly string[] | undefined;
}

export interface EventsHandlers {
  onEvent(message: DockerEventMessage): void;
  /** Called once when the stream ends by itself (the manager stopped, the connection broke); not after close(). */
  onEnd(reason: string): void;
}

/** An open events stream on one manager, and calls to that same manager. */
export interface EventsWatch {
  /** The endpoint the events come from. */
  readonly url: string;
  /**
   * Runs `run` on the watched manager only (no failover: a watcher that loses its manager reconnects instead).
   * A failure of the endpoint is SWARM_UNREACHABLE naming it; Docker's other answers are mapped as call() maps them.
   */
  call<T>(operation: string, run: (docker: Dockerode) => Promise<T>): Promise<T>;
  /** Ends the stream; onEnd is not called. */
  close(): void;
}

export class SwarmClient {
  private readonly slots: Slot[];
  private preferred = 0;

  constructor(
    readonly swarmName: string,
    endpoints: readonly EngineEndpoint[],
    private readonly options: SwarmClientOptions,
  ) {
    if (endpoints.length === 0) throw new Error(`swarm "${swarmName}" has no endpoints`);
    this.slots = endpoints.map((endpoint) => {
      const refusal = options.refusalOf?.(endpoint) ?? null;
      return {
        endpoint,
        docker: createDockerClient(endpoint, options.timeoutMs),
        state: { url: endpoint.url, up: refusal === null ? null : false, error: refusal, checkedAt: null },
        refusal,
      };
    });
  }

  /**
   * Runs `run` against a reachable manager: the one that answered last first, endpoints known down last.
   * An endpoint failure moves on to the next; Docker's other answers (404, 409...) are mapped and thrown.
   * When no endpoint answers: SWARM_UNREACHABLE naming the swarm and what each endpoint said.
   */
  async call<T>(operation: string, run: (docker: Dockerode) => Promise<T>): Promise<T> {
    const failures = this.refusals();
    for (const slot of this.callOrder()) {
      const started = performance.now();
      try {
        const result = await withTimeout(
          run(slot.docker),
          this.options.timeoutMs,
          `${slot.endpoint.url} (${operation})`,
        );
        this.record(slot, operation, started, true, null);
        this.preferred = this.slots.indexOf(slot);
        return result;
      } catch (error) {
        if (isEndpointFailure(error)) {
          const message = engineFailureShort(error);
          this.record(slot, operation, started, false, message);
          failures.push(`${slot.endpoint.url}: ${message}`);
          continue;
        }
        // The endpoint answered; the request itself was refused.
        this.record(slot, operation, started, true, null);
        throw toGatewayError(error, this.swarmName);
      }
    }
    throw new GatewayError(
      'SWARM_UNREACHABLE',
      `swarm "${this.swarmName}" is unreachable: no manager answered (${failures.join('; ')})`,
      { swarm: this.swarmName, endpoints: this.endpointStates() },
    );
  }

  /** Asks every endpoint at once (for status): each answer or failure, and the endpoint states updated. */
  async probeAll<T>(
    operation: string,
    run: (docker: Dockerode) => Promise<T>,
  ): Promise<{ url: string; value?: T; error?: string }[]> {
    return Promise.all(
      this.slots.map(async (slot) => {
        if (slot.refusal !== null) return { url: slot.endpoint.url, error: slot.refusal };
        const started = performance.now();
        try {
          const value = await withTimeout(
            run(slot.docker),
            this.options.timeoutMs,
            `${slot.endpoint.url} (${operation})`,
          );
          this.record(slot, operation, started, true, null);
          return { url: slot.endpoint.url, value };
        } catch (error) {
          const message = engineFailureShort(error);
          this.record(slot, operation, started, !isEndpointFailure(error), message);
          return { url: slot.endpoint.url, error: message };
        }
      }),
    );
  }

  /**
   * Opens Docker's events stream on the first manager that accepts it (same order as call()), for a long-lived
   * watch. The stream has no inactivity time-out (Docker sends nothing while nothing happens); opening it is bounded
   * by the call time-out. When no endpoint accepts: SWARM_UNREACHABLE naming what each said.
   */
  async openEvents(query: EventsQuery, handlers: EventsHandlers): Promise<EventsWatch> {
    const failures = this.refusals();
    const last = new Set(query.tryLast ?? []);
    const order = this.callOrder();
    for (const slot of [
      ...order.filter((slot) => !last.has(slot.endpoint.url)),
      ...order.filter((slot) => last.has(slot.endpoint.url)),
    ]) {
      const started = performance.now();
      try {
        const { stream, abort } = await this.openEventStream(slot, query);
        // Not made the preferred endpoint: accepting a stream does not show the engine is a working manager.
        this.record(slot, 'events.watch', started, true, null);
        return this.followEvents(slot, stream, abort, handlers);
      } catch (error) {
        const message = engineFailureShort(error);
        // Whatever the reason (down, refused, not a manager), another manager may stream the swarm's events.
        this.record(slot, 'events.watch', started, !isEndpointFailure(error), message);
        failures.push(`${slot.endpoint.url}: ${message}`);
      }
    }
    throw new GatewayError(
      'SWARM_UNREACHABLE',
      `swarm "${this.swarmName}" is unreachable: no manager streams its events (${failures.join('; ')})`,
      { swarm: this.swarmName, endpoints: this.endpointStates() },
    );
  }

  /**
   * Opens a long-lived stream (service logs) on the first manager that accepts it (same order as call()), over a
   * connection of its own: a client made for this stream alone, with no inactivity time-out (a quiet follow is not
   * an idle connection) and no keep-alive, so that destroying the stream closes its connection to the engine at once
   * and nothing of it goes back to a pool. Opening is bounded by the call time-out; an endpoint failure moves on to
   * the next manager, Docker's other answers are mapped as call() maps them.
   */
  async openStream<T>(
    operation: string,
    open: (docker: Dockerode, signal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; url: string }> {
    const failures = this.refusals();
    for (const slot of this.callOrder()) {
      const started = performance.now();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.options.timeoutMs);
      const agent =
        slot.endpoint.tls && slot.endpoint.url.startsWith('tcp:')
          ? new HttpsAgent({ keepAlive: false, maxSockets: 1 })
          : new HttpAgent({ keepAlive: false, maxSockets: 1 });
      try {
        const value = await open(createDockerClient(slot.endpoint, 0, agent), abort.signal);
        this.record(slot, operation, started, true, null);
        return { value, url: slot.endpoint.url };
      } catch (error) {
        agent.destroy();
        const failure = abort.signal.aborted
          ? new TimeoutError(`${slot.endpoint.url} (${operation})`, this.options.timeoutMs)
          : error;
        if (isEndpointFailure(failure)) {
          const message = engineFailureShort(failure);
          this.record(slot, operation, started, false, message);
          failures.push(`${slot.endpoint.url}: ${message}`);
          continue;
        }
        this.record(slot, operation, started, true, null);
        throw toGatewayError(failure, this.swarmName);
      } finally {
        clearTimeout(timer);
      }
    }
    throw new GatewayError(
      'SWARM_UNREACHABLE',
      `swarm "${this.swarmName}" is unreachable: no manager answered (${failures.join('; ')})`,
      { swarm: this.swarmName, endpoints: this.endpointStates() },
    );
  }

  private readonly streamClients = new Map<Slot, Dockerode>();

  /** A client of the slot's endpoint without the inactivity time-out, which would cut a quiet events stream. */
  private streamClientOf(slot: Slot): Dockerode {
    let docker = this.streamClients.get(slot);
    if (!docker) {
      docker = createDockerClient(slot.endpoint, 0);
      this.streamClients.set(slot, docker);
    }
    return docker;
  }

  private async openEventStream(
    slot: Slot,
    query: EventsQuery,
  ): Promise<{ stream: Readable; abort: AbortController }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.timeoutMs);
    try {
      const options = {
        filters: query.filters,
        ...(query.since !== undefined ? { since: query.since } : {}),
        abortSignal: abort.signal,
      } as Dockerode.GetEventsOptions;
      const stream = (await this.streamClientOf(slot).getEvents(options)) as Readable;
      return { stream, abort };
    } catch (error) {
      if (abort.signal.aborted) {
        throw new TimeoutError(`${slot.endpoint.url} (events.watch)`, this.options.timeoutMs);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Parses the newline-delimited JSON of an open events stream and reports its end once. */
  private followEvents(
    slot: Slot,
    stream: Readable,
    abort: AbortController,
    handlers: EventsHandlers,
  ): EventsWatch {
    let closed = false;
    let ended = false;
    let pending = '';
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      stream.destroy();
      if (!closed) handlers.onEnd(reason);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (!line) continue;
        let message: DockerEventMessage;
        try {
          message = JSON.parse(line) as DockerEventMessage;
        } catch {
          end(`${slot.endpoint.url} sent an events line that is not JSON`);
          return;
        }
        if (!ended) handlers.onEvent(message);
      }
    });
    stream.on('end', () => end(`${slot.endpoint.url} ended the events stream`));
    stream.on('close', () => end(`${slot.endpoint.url} closed the events stream`));
    stream.on('error', (error: Error) => end(`${slot.endpoint.url}: ${engineFailureShort(error)}`));
    return {
      url: slot.endpoint.url,
      call: (operation, run) => this.callEndpoint(slot, operation, run),
      close: () => {
        closed = true;
        end('closed');
        abort.abort();
      },
    };
  }

  private async callEndpoint<T>(
    slot: Slot,
    operation: string,
    run: (docker: Dockerode) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await withTimeout(
        run(slot.docker),
        this.options.timeoutMs,
        `${slot.endpoint.url} (${operation})`,
      );
      this.record(slot, operation, started, true, null);
      return result;
    } catch (error) {
      if (isEndpointFailure(error)) {
        const message = engineFailureShort(error);
        this.record(slot, operation, started, false, message);
        throw new GatewayError(
          'SWARM_UNREACHABLE',
          `manager ${slot.endpoint.url} of swarm "${this.swarmName}" did not answer (${message})`,
          { swarm: this.swarmName, endpoint: slot.endpoint.url },
        );
      }
      this.record(slot, operation, started, true, null);
      throw toGatewayError(error, this.swarmName);
    }
  }

  endpointStates(): EndpointState[] {
    return this.slots.map((slot) => ({ ...slot.state }));
  }

  /** What the refused endpoints say, to begin a list of failures with. */
  private refusals(): string[] {
    return this.slots.flatMap((slot) =>
      slot.refusal === null ? [] : [`${slot.endpoint.url}: ${slot.refusal}`],
    );
  }

  /** The endpoints to try, in order: the one that answered last, then those not known down, then the rest. */
  private callOrder(): Slot[] {
    const usable = this.slots.filter((slot) => slot.refusal === null);
    const first = usable.find((slot) => slot === this.slots[this.preferred]) ?? usable[0];
    const rest = usable.filter((slot) => slot !== first);
    const known = rest.filter((slot) => slot.state.up !== false);
    const down = rest.filter((slot) => slot.state.up === false);
    return [...(first ? [first] : []), ...known, ...down];
  }

  private record(slot: Slot, operation: string, started: number, up: boolean, error: string | null): void {
    slot.state = { url: slot.endpoint.url, up, error, checkedAt: new Date() };
    this.options.onCall?.({
      swarm: this.swarmName,
      endpoint: slot.endpoint.url,
      operation,
      ok: up,
      durationMs: performance.now() - started,
    });
  }
}
