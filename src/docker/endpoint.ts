// Engine endpoints (mutual-TLS TCP or unix socket): parsing, validation, and the dockerode client for one.
import Dockerode from 'dockerode';
import { badInput } from '../errors.ts';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface EngineEndpoint {
  /** `tcp://host:port` (mutual TLS) or `unix:///path/to/docker.sock`. */
  url: string;
  tls?: TlsMaterial | null | undefined;
}

/** The Engine API version the gateway speaks; the lab's engines (Docker 20.10) serve exactly this. */
export const DOCKER_API_VERSION = 'v1.41';

const PEM = /-----BEGIN [A-Z ]+-----[\s\S]+-----END [A-Z ]+-----/;

/** Checks an endpoint as a client gave it; throws BAD_INPUT saying what is wrong (never echoing key material). */
export function validateEndpoint(endpoint: EngineEndpoint, field = 'endpoint'): EngineEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw badInput(`${field}.url must be tcp://HOST:PORT or unix:///path/to/docker.sock`);
  }
  if (url.protocol === 'unix:') {
    if (!url.pathname || url.pathname === '/')
      throw badInput(`${field}.url needs a socket path: unix:///path`);
    if (endpoint.tls) throw badInput(`${field}.tls is not used with a unix socket; leave it out`);
    return { url: `unix://${url.pathname}` };
  }
  if (url.protocol !== 'tcp:') throw badInput(`${field}.url must start with tcp:// or unix://`);
  if (!url.hostname || !url.port) throw badInput(`${field}.url must name a host and port: tcp://HOST:2376`);
  if (!endpoint.tls) {
    throw badInput(
      `${field}.tls (ca, cert, key) is required for tcp:// endpoints: engines are reached over mutual TLS`,
    );
  }
  for (const part of ['ca', 'cert', 'key'] as const) {
    if (!PEM.test(endpoint.tls[part])) throw badInput(`${field}.tls.${part} must be a PEM block`);
  }
  return { url: `tcp://${url.hostname}:${url.port}`, tls: endpoint.tls };
}

/** A dockerode client for one endpoint; `timeoutMs` bounds socket inactivity of every request. */
export function createDockerClient(endpoint: EngineEndpoint, timeoutMs: number): Dockerode {
  const url = new URL(endpoint.url);
  if (url.protocol === 'unix:') {
    return new Dockerode({ socketPath: url.pathname, timeout: timeoutMs, version: DOCKER_API_VERSION });
  }
  return new Dockerode({
    host: url.hostname,
    port: Number(url.port),
    protocol: 'https',
    ca: endpoint.tls?.ca,
    cert: endpoint.tls?.cert,
    key: endpoint.tls?.key,
    timeout: timeoutMs,
    version: DOCKER_API_VERSION,
  });
}
