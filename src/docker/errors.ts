// Maps what Docker and the network answer to our error codes, and decides which failures mean "try another manager".
import { scrubString } from '../audit/redact.ts';
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

/** What a joining node needs open, named in every JOIN_TIMEOUT (Docker's own "Timeout was reached" says none of it). */
export const SWARM_PORTS_HINT =
  'open TCP 2377 (cluster management) from the joining node to the managers, TCP and UDP 7946 (node ' +
  'communication) and UDP 4789 (overlay network traffic) between all nodes, and IP protocol 50 (ESP) for ' +
  'encrypted overlay networks';

/** Docker's answers that mean the joining engine and the managers could not talk to each other in time. */
const JOIN_UNREACHABLE =
  /Timeout was reached before node (was )?joined|rpc error: code = (14|Unavailable|DeadlineExceeded)|connection is unavailable|context deadline exceeded|could not connect to prospective new cluster member|connection refused|no route to host|i\/o timeout/i;

/** Docker cannot pick the address to advertise or listen on by itself. */
const JOIN_ADDRESS =
  /could not choose an IP address to advertise|must specify a listening address|advertise address|listen address|failed to listen on remote API address/i;

export interface JoinFailureContext {
  /** The engine's endpoint URL (never its credentials). */
  engine: string;
  swarm: string;
  /** The manager addresses the engine was told to reach (host:2377). */
  managers: readonly string[];
}

/**
 * Maps a failed `swarm join` (or `swarm init`) on an engine to the brief's codes: JOIN_TIMEOUT naming the ports
 * when the engine and the managers could not talk, ALREADY_IN_SWARM when the engine is in a swarm already,
 * BAD_INPUT when Docker cannot choose addresses, SWARM_UNREACHABLE when the engine's own API did not answer.
 * Docker's message is quoted without anything secret-looking (it may echo a token).
 */
export function joinFailure(error: unknown, where: JoinFailureContext): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = scrubString(dockerMessage(error));
  const status = dockerStatus(error);
  const ourTimeout = error instanceof Error && error.name === 'TimeoutError';
  if (ourTimeout || (status !== undefined && JOIN_UNREACHABLE.test(message))) {
    return new GatewayError(
      'JOIN_TIMEOUT',
      `engine ${where.engine} could not join swarm "${where.swarm}": it and the managers ` +
        `(${where.managers.join(', ') || 'none known'}) did not reach each other in time ` +
        `(Docker: ${firstSentence(message)}). Check the network between them: ${SWARM_PORTS_HINT}.`,
      {
        engine: where.engine,
        managers: [...where.managers],
        ports: ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', 'esp'],
      },
    );
  }
  if (/already part of a swarm/i.test(message)) {
    return new GatewayError(
      'ALREADY_IN_SWARM',
      `engine ${where.engine} is already part of a swarm: leave it first (\`docker swarm leave\` on that engine, ` +
        'or the leaveSwarm operation), then join again',
      { engine: where.engine },
    );
  }
  if (status !== undefined && JOIN_ADDRESS.test(message)) {
    return new GatewayError(
      'BAD_INPUT',
      `engine ${where.engine} cannot choose its swarm addresses by itself (Docker: ${message}); ` +
        'pass advertiseAddress (and listenAddress) explicitly',
      { engine: where.engine },
    );
  }
  if (status === undefined && isEndpointFailure(error)) {
    return new GatewayError(
      'SWARM_UNREACHABLE',
      `the engine at ${where.engine} did not answer (${message}); check its endpoint and that it runs`,
      { engine: where.engine },
    );
  }
  if (/join token|token/i.test(message) && status !== undefined && status < 500) {
    return new GatewayError(
      'CONFLICT',
      `the join token of swarm "${where.swarm}" was refused (it may have been rotated meanwhile): ${message}; retry`,
    );
  }
  return new GatewayError('INTERNAL', `engine ${where.engine} refused the request: ${message}`, undefined, {
    cause: error,
  });
}

const firstSentence = (message: string) => (message.split(/(?<=\.)\s/)[0] ?? message).replace(/\.$/, '');
