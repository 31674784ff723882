// A client of one engine itself, not of a swarm's managers: `swarm init`, `join` and `leave` act on the engine a job
// names, and its own `docker info` says which swarm it is in (reads.ts engineInfo, engine-proof.ts).
import { isIP } from 'node:net';
import type Dockerode from 'dockerode';
import { createDockerClient, parseEndpoint, type EngineEndpoint } from './endpoint.ts';
import { recheckStoredEndpoint } from './endpoint-policy.ts';

/**
 * Bound of the engine-level calls (join, init, leave). Docker's own join gives up after 20 s ("Timeout was
 * reached before node joined"), so this must be longer to hear Docker's answer rather than our time-out.
 */
export const ENGINE_CALL_MS = 45_000;

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
