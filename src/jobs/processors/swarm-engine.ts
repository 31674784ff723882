// What the swarm-level processors share: a client of the engine a job acts on (not a swarm manager), its
// `docker info`, the swarm's node list, and bounded waits for a node to reach a state.
import { isIP } from 'node:net';
import type Dockerode from 'dockerode';
import { createDockerClient, parseEndpoint, type EngineEndpoint } from '../../docker/endpoint.ts';
import { recheckStoredEndpoint } from '../../docker/endpoint-policy.ts';
import { asDockerInfo } from '../../docker/engine-proof.ts';
import { engineFailureCause, engineFailureText } from '../../docker/errors.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerInfo, DockerNode } from '../../docker/types.ts';
import { GatewayError } from '../../errors.ts';
import { withTimeout } from '../../util/timeout.ts';
import type { JobContext } from '../processor.ts';

/**
 * Bound of the engine-level calls (join, init, leave). Docker's own join gives up after 20 s ("Timeout was
 * reached before node joined"), so this must be longer to hear Docker's answer rather than our time-out.
 */
export const ENGINE_CALL_MS = 45_000;
const POLL_MS = 1000;

export interface Engine {
  url: string;
  docker: Dockerode;
  /** The IP of a tcp:// endpoint, the natural advertise address; null for a unix socket or a host name. */
  ip: string | null;
}

/**
 * A client of the engine itself; its socket time-out is longer than ENGINE_CALL_MS so that bound decides. `roles` are
 * those of who requested the job: the endpoint policy's fixed rules are applied again to the stored endpoint (a job
 * stored before the policy, or by a door that skipped it, must not reach a unix socket or loopback).
 */
export function engineOf(endpoint: EngineEndpoint, roles: readonly string[]): Engine {
  recheckStoredEndpoint(endpoint, roles);
  const valid = parseEndpoint(endpoint);
  const host = valid.kind === 'tcp' ? valid.host : '';
  const stored: EngineEndpoint = {
    url: valid.url,
    ...(valid.kind === 'tcp' && valid.tls ? { tls: valid.tls } : {}),
    ...(endpoint.address ? { address: endpoint.address } : {}),
  };
  return {
    url: valid.url,
    docker: createDockerClient(stored, ENGINE_CALL_MS + 15_000),
    ip: isIP(host) ? host : (endpoint.address ?? null),
  };
}

/**
 * `docker info` of the engine; SWARM_UNREACHABLE naming its URL and the cause (never the engine's words) when it does
 * not answer, or answers something that is not the Engine API's.
 */
export async function engineInfo(engine: Engine, timeoutMs: number): Promise<DockerInfo> {
  let answer: unknown;
  try {
    answer = await withTimeout(engine.docker.info(), timeoutMs, `${engine.url} (system.info)`);
  } catch (error) {
    throw engineError(engine.url, error);
  }
  const info = asDockerInfo(answer);
  if (!info) throw engineError(engine.url, new Error('not an Engine API answer'));
  return info;
}

/** SWARM_UNREACHABLE for an engine the caller named, by cause: the gateway's words only. */
export function engineError(url: string, error: unknown): GatewayError {
  return new GatewayError('SWARM_UNREACHABLE', engineFailureText(url, error), {
    engine: url,
    cause: engineFailureCause(error),
  });
}

export function listNodes(client: SwarmClient): Promise<DockerNode[]> {
  return client.call('node.list', (docker) => docker.listNodes() as Promise<DockerNode[]>);
}

/** Addresses a joining node can reach managers at (host:2377), reachable ones first. */
export function managerAddresses(nodes: readonly DockerNode[]): string[] {
  const managers = nodes.filter((node) => node.ManagerStatus?.Addr);
  const reachable = managers.filter((node) => node.ManagerStatus?.Reachability === 'reachable');
  const others = managers.filter((node) => node.ManagerStatus?.Reachability !== 'reachable');
  return [...reachable, ...others].map((node) => node.ManagerStatus!.Addr!);
}

export const hostnameOf = (node: DockerNode | undefined, fallback: string) =>
  node?.Description?.Hostname ?? fallback;

/**
 * Polls the swarm's node list until `done` holds for the node (undefined when not listed), reporting progress
 * between `from` and `to` percent; `onTimeout` builds the error after `timeoutMs`. Cancellable (context.sleep).
 */
export async function waitForNode(
  context: JobContext,
  client: SwarmClient,
  nodeId: string,
  wait: {
    done: (node: DockerNode | undefined) => boolean;
    step: string;
    describe: (node: DockerNode | undefined) => string;
    from: number;
    to: number;
    timeoutMs: number;
    onTimeout: (node: DockerNode | undefined) => GatewayError;
  },
): Promise<DockerNode | undefined> {
  const started = Date.now();
  let last: DockerNode | undefined;
  let lastMessage = '';
  for (;;) {
    try {
      last = (await listNodes(client)).find((node) => node.ID === nodeId);
      if (wait.done(last)) return last;
    } catch (error) {
      // A manager busy electing a leader answers nothing for a few seconds; the bound below still holds.
      if (!(error instanceof GatewayError) || error.code !== 'SWARM_UNREACHABLE') throw error;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= wait.timeoutMs) throw wait.onTimeout(last);
    const message = wait.describe(last);
    if (message !== lastMessage) {
      lastMessage = message;
      const share = Math.min(1, elapsed / wait.timeoutMs);
      await context.progress(wait.from + (wait.to - wait.from) * share, wait.step, message);
    }
    await context.sleep(POLL_MS);
  }
}
