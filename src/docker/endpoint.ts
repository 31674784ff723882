// Engine endpoints (mutual-TLS TCP, plain TCP or unix socket): their form, and the dockerode client for one.
// Who may give which endpoint, and where it may point, is src/docker/endpoint-policy.ts.
import type { Agent } from 'node:http';
import { checkServerIdentity } from 'node:tls';
import Dockerode from 'dockerode';
import { badInput } from '../errors.ts';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface EngineEndpoint {
  /** `tcp://host:port` (mutual TLS, or plain for platform-admin) or `unix:///path/to/docker.sock`. */
  url: string;
  tls?: TlsMaterial | null | undefined;
  /**
   * The IP address the gateway connects to, as the endpoint policy checked it after resolving the URL's host name
   * (so that a name cannot resolve to another address later); the certificate is still checked against the name.
   * Absent for unix sockets and for endpoints stored before the policy (their host is then used as it is).
   */
  address?: string | null | undefined;
  /**
   * Given by a platform-admin: it may be one only a platform-admin may give (a unix socket, plain tcp, loopback).
   * Stored endpoints without it are held to the tenant rules before every use (src/docker/endpoint-policy.ts).
   */
  platformGranted?: boolean | undefined;
}

/** The Engine API version the gateway speaks; the lab's engines (Docker 20.10) serve exactly this. */
export const DOCKER_API_VERSION = 'v1.41';

const PEM = /-----BEGIN [A-Z ]+-----[\s\S]+-----END [A-Z ]+-----/;
/** A DNS name or an IPv4 literal; IPv6 literals come in brackets and are checked by the URL parser. */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export type ParsedEndpoint =
  | { kind: 'unix'; url: string; path: string }
  | { kind: 'tcp'; url: string; host: string; port: number; tls: TlsMaterial | null };

/**
 * The form of an endpoint as a client gave it: BAD_INPUT naming `field` when it is not one (never echoing key
 * material). Whether this principal may use it is the policy's question, not this one's.
 */
export function parseEndpoint(endpoint: EngineEndpoint, field = 'endpoint'): ParsedEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw badInput(`${field}.url must be tcp://HOST:PORT or unix:///path/to/docker.sock`);
  }
  if (url.protocol === 'unix:') {
    if (!url.pathname || url.pathname === '/' || url.host)
      throw badInput(`${field}.url needs a socket path: unix:///path`);
    if (endpoint.tls) throw badInput(`${field}.tls is not used with a unix socket; leave it out`);
    return { kind: 'unix', url: `unix://${url.pathname}`, path: url.pathname };
  }
  if (url.protocol !== 'tcp:') throw badInput(`${field}.url must start with tcp:// or unix://`);
  if (!url.hostname || !url.port) throw badInput(`${field}.url must name a host and port: tcp://HOST:2376`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash || url.username || url.password) {
    throw badInput(`${field}.url must be tcp://HOST:PORT, with nothing after the port`);
  }
  const bracketed = url.hostname.startsWith('[');
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  if (!bracketed && !HOST_NAME.test(host)) {
    throw badInput(`${field}.url: the host must be an IP address or a DNS name`);
  }
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw badInput(`${field}.url: the port must be 1-65535`);
  if (endpoint.tls) {
    for (const part of ['ca', 'cert', 'key'] as const) {
      if (typeof endpoint.tls[part] !== 'string' || !PEM.test(endpoint.tls[part]))
        throw badInput(`${field}.tls.${part} must be a PEM block`);
    }
  }
  return { kind: 'tcp', url: `tcp://${url.hostname}:${port}`, host, port, tls: endpoint.tls ?? null };
}

/** The host and port of a tcp:// endpoint URL (IPv6 without brackets); null for a unix socket. */
export function tcpHostOf(url: string): { host: string; port: number } | null {
  const parsed = new URL(url);
  if (parsed.protocol !== 'tcp:') return null;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}

/**
 * A dockerode client for one endpoint; `timeoutMs` bounds socket inactivity of every request. A pinned `address` is
 * what the client connects to, while the engine's certificate must still name the URL's host. `agent`, when given,
 * carries every request of the client (a long-lived stream's own connection); otherwise Node's shared agent does.
 */
export function createDockerClient(endpoint: EngineEndpoint, timeoutMs: number, agent?: Agent): Dockerode {
  const docker = dockerClientOf(endpoint, timeoutMs);
  // docker-modem hands its `agent` option to http(s).request (the typings of dockerode's options omit it).
  if (agent) (docker.modem as { agent?: Agent }).agent = agent;
  return docker;
}

function dockerClientOf(endpoint: EngineEndpoint, timeoutMs: number): Dockerode {
  const url = new URL(endpoint.url);
  if (url.protocol === 'unix:') {
    return new Dockerode({ socketPath: url.pathname, timeout: timeoutMs, version: DOCKER_API_VERSION });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const connectTo = endpoint.address ?? host;
  if (!endpoint.tls) {
    return new Dockerode({
      host: connectTo,
      port: Number(url.port),
      protocol: 'http',
      timeout: timeoutMs,
      version: DOCKER_API_VERSION,
    });
  }
  const options: Omit<Dockerode.DockerOptions, 'checkServerIdentity'> & {
    checkServerIdentity?: typeof checkServerIdentity;
  } = {
    host: connectTo,
    port: Number(url.port),
    protocol: 'https',
    ca: endpoint.tls.ca,
    cert: endpoint.tls.cert,
    key: endpoint.tls.key,
    timeout: timeoutMs,
    version: DOCKER_API_VERSION,
  };
  // docker-modem hands this to https.request (its typings say boolean, its code passes the function through).
  if (connectTo !== host) options.checkServerIdentity = (_, cert) => checkServerIdentity(host, cert);
  return new Dockerode(options);
}
