// One swarm's Docker access: every call goes to a reachable manager, failing over between its endpoints.
import type Dockerode from 'dockerode';
import { GatewayError } from '../errors.ts';
import { withTimeout } from '../util/timeout.ts';
import { createDockerClient, type EngineEndpoint } from './endpoint.ts';
import { dockerMessage, isEndpointFailure, toGatewayError } from './errors.ts';

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
}

interface Slot {
  endpoint: EngineEndpoint;
  docker: Dockerode;
  state: EndpointState;
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
    this.slots = endpoints.map((endpoint) => ({
      endpoint,
      docker: createDockerClient(endpoint, options.timeoutMs),
      state: { url: endpoint.url, up: null, error: null, checkedAt: null },
    }));
  }

  /**
   * Runs `run` against a reachable manager: the one that answered last first, endpoints known down last.
   * An endpoint failure moves on to the next; Docker's other answers (404, 409...) are mapped and thrown.
   * When no endpoint answers: SWARM_UNREACHABLE naming the swarm and what each endpoint said.
   */
  async call<T>(operation: string, run: (docker: Dockerode) => Promise<T>): Promise<T> {
    const failures: string[] = [];
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
          const message = dockerMessage(error);
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
          const message = dockerMessage(error);
          this.record(slot, operation, started, !isEndpointFailure(error), message);
          return { url: slot.endpoint.url, error: message };
        }
      }),
    );
  }

  endpointStates(): EndpointState[] {
    return this.slots.map((slot) => ({ ...slot.state }));
  }

  private callOrder(): Slot[] {
    const first = this.slots[this.preferred];
    const rest = this.slots.filter((slot) => slot !== first);
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
