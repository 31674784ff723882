// Maps what Docker and the network answer to our error codes, and decides which failures mean "try another manager".
import { GatewayError } from '../errors.ts';

/** The shape docker-modem gives its errors. */
interface ModemError {
  statusCode?: number;
  json?: { message?: string } | string | null;
  reason?: string;
  code?: string;
  message?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOENT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Docker's own message of an API error, or the network error's message. */
export function dockerMessage(error: unknown): string {
  const e = error as ModemError | null;
  if (e && typeof e.json === 'object' && e.json?.message) return e.json.message.trim();
  if (e && typeof e.json === 'string' && e.json.trim()) return e.json.trim();
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  return String(error);
}

export function dockerStatus(error: unknown): number | undefined {
  const status = (error as ModemError | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True when the failure says this endpoint cannot serve swarm requests now (down, cut off, timed out, not a
 * manager, or a manager without a leader), so another manager of the same swarm should be asked.
 */
export function isEndpointFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TimeoutError') return true;
  const e = error as ModemError | null;
  if (e?.code && NETWORK_CODES.has(e.code)) return true;
  if (/timeout|socket hang up|connect E|EHOSTUNREACH|ECONNREFUSED/i.test(e?.message ?? '')) {
    if (dockerStatus(error) === undefined) return true;
  }
  const status = dockerStatus(error);
  if (status === undefined) return false;
  const message = dockerMessage(error);
  if (status === 503) return true; // "This node is not a swarm manager", raft unavailable, no leader
  if (
    status === 500 &&
    /rpc error: code = (Unavailable|DeadlineExceeded)|does not have a leader|context deadline/i.test(message)
  ) {
    return true;
  }
  return false;
}

/** A Docker answer that is not an endpoint failure, as a client-facing error with Docker's own message. */
export function toGatewayError(error: unknown, swarm: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const status = dockerStatus(error);
  const message = dockerMessage(error);
  if (status === 404) return new GatewayError('NOT_FOUND', `${message} (swarm "${swarm}")`);
  if (status === 409) return new GatewayError('CONFLICT', `${message} (swarm "${swarm}")`);
  if (status === 400) return new GatewayError('BAD_INPUT', `Docker refused the request: ${message}`);
  return new GatewayError('INTERNAL', `Docker answered an unexpected error for swarm "${swarm}"`, undefined, {
    cause: error,
  });
}
