// Maps what Docker and the network answer to our error codes, and decides which failures mean "try another manager".
import { scrubString } from '../audit/redact.ts';
import { GatewayError, isGatewayError } from '../errors.ts';

/** The shape docker-modem gives its errors. */
interface ModemError {
  statusCode?: number;
  json?: { message?: string } | string | null;
  reason?: string;
  code?: string;
  message?: string;
}

/**
 * Docker's own message of an API error, or the network error's message: for CLASSIFYING a failure only (regular
 * expressions below). It is bytes the other side sent: never quote it in an answer, the audit, a job or a log line at
 * info or above; engineFailureText() says the same by cause.
 */
export function dockerMessage(error: unknown): string {
  const e = error as ModemError | null;
  if (e && typeof e.json === 'object' && e.json?.message) return String(e.json.message).trim();
  if (e && typeof e.json === 'string' && e.json.trim()) return e.json.trim();
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  return String(error);
}

/** Why an engine could not be used, as the gateway tells it: a fixed vocabulary, never the engine's words. */
export type EngineFailureCause = 'unreachable' | 'tls' | 'timeout' | 'not-docker' | 'refused';

/** Codes of the TLS handshake and of certificate verification (node's and OpenSSL's). */
const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|CERT_UNTRUSTED|CERT_REJECTED)/;
/** Codes of a connection that could not be made or was dropped: a refused port, a missing socket file, no route. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ENOENT',
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'ENOTSOCK',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EAI_FAIL',
  'EAI_NONAME',
]);

/** True when the engine answered with the Engine API's own error shape: an HTTP status and {"message": "..."}. */
function isApiError(e: ModemError | null): boolean {
  return (
    typeof e?.statusCode === 'number' && typeof e.json === 'object' && typeof e.json?.message === 'string'
  );
}

/**
 * The cause of a failed call to an engine. A refused port and a missing socket file are both `unreachable` (telling
 * them apart would make the gateway a port and file scanner); an answer that is not the Engine API's (HTML, garbage,
 * a broken HTTP exchange) is `not-docker`; an Engine API error answer is `refused`.
 */
export function engineFailureCause(error: unknown): EngineFailureCause {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const e = error as ModemError | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (TLS_CODES.test(code)) return 'tls';
  if (code.startsWith('HPE_')) return 'not-docker';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (typeof e?.statusCode === 'number') return isApiError(e) ? 'refused' : 'not-docker';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/certificate|SSL|TLS|handshake/i.test(message)) return 'tls';
  if (/timeout|timed out/i.test(message)) return 'timeout';
  if (/socket hang up|ECONNREFUSED|EHOSTUNREACH|ENOENT/i.test(message)) return 'unreachable';
  // Anything else (a JSON parse error, an answer of the wrong shape) means the other side is not an Engine API.
  return 'not-docker';
}

/** What an engine's failure means and what to check, in the gateway's own words. */
export function engineFailureText(url: string, error: unknown): string {
  const cause = engineFailureCause(error);
  switch (cause) {
    case 'unreachable':
      return (
        `could not connect to the engine at ${url}: check the address and port, that the engine runs, and that ` +
        'the gateway can reach it'
      );
    case 'tls':
      return (
        `the TLS handshake with the engine at ${url} failed: check that tls.ca is the CA that issued the engine's ` +
        'certificate (for this address), and that the engine accepts the client certificate tls.cert'
      );
    case 'timeout':
      return (
        `the engine at ${url} did not answer in time: check that it runs and is not overloaded, and that no ` +
        'firewall drops the connection'
      );
    case 'not-docker':
      return (
        `the endpoint ${url} answered, but not as a Docker Engine API does: check that it is the engine's API ` +
        'endpoint (usually port 2376 with TLS)'
      );
    case 'refused':
      return `the engine at ${url} refused the request (HTTP ${dockerStatus(error) ?? '?'})`;
  }
}

/** A short form of the cause, for lists of endpoints ("tcp://10.0.0.1:2376: could not connect"). */
export function engineFailureShort(error: unknown): string {
  const cause = engineFailureCause(error);
  switch (cause) {
    case 'unreachable':
      return 'could not connect';
    case 'tls':
      return 'TLS handshake failed';
    case 'timeout':
      return 'timed out';
    case 'not-docker':
      return 'not a Docker Engine API';
    case 'refused': {
      const status = dockerStatus(error);
      return status === 503
        ? 'answered HTTP 503 (not a manager now, or its swarm has no leader)'
        : `answered HTTP ${status ?? '?'}`;
    }
  }
}

/**
 * An Engine API error message of one of the tenant's own registered managers, fit to show that tenant: Docker's
 * "No such service: web" says more than a code. Only the Engine API's JSON error shape, cut short and without control
 * characters; anything else (HTML, a raw body) is not shown.
 */
function managerMessage(error: unknown): string | null {
  const e = error as ModemError | null;
  if (!isApiError(e)) return null;
  const text = Array.from(String((e!.json as { message: string }).message), (ch) => {
    const code = ch.codePointAt(0)!;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ? ' ' : ch;
  })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return null;
  return scrubString(text.length > 300 ? `${text.slice(0, 300)}...` : text);
}

export function dockerStatus(error: unknown): number | undefined {
  const status = (error as ModemError | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The object is not (or no longer) there: Docker's 404, mapped to NOT_FOUND or as docker-modem gave it. */
export function isNotFound(error: unknown): boolean {
  return isGatewayError(error) ? error.code === 'NOT_FOUND' : dockerStatus(error) === 404;
}

/**
 * True when the failure says this endpoint cannot serve swarm requests now (down, cut off, timed out, not a
 * manager, or a manager without a leader), so another manager of the same swarm should be asked.
 */
export function isEndpointFailure(error: unknown): boolean {
  const cause = engineFailureCause(error);
  if (cause === 'timeout' || cause === 'tls' || cause === 'unreachable') return true;
  const e = error as ModemError | null;
  const status = dockerStatus(error);
  // An answer that is not the Engine API's (a proxy's HTML page, a broken HTTP exchange); not our own bugs.
  if (cause === 'not-docker')
    return status !== undefined || (typeof e?.code === 'string' && e.code.startsWith('HPE_'));
  if (status === 503) return true; // "This node is not a swarm manager", raft unavailable, no leader
  if (
    status === 500 &&
    /rpc error: code = (Unavailable|DeadlineExceeded)|does not have a leader|context deadline/i.test(
      dockerMessage(error),
    )
  ) {
    return true;
  }
  return false;
}

/**
 * Docker's answer when the version sent is not the object's current one (HTTP 500 "update out of sequence"), as
 * Docker sent it or as toGatewayError marked it.
 */
export function isOutOfSequence(error: unknown): boolean {
  if (error instanceof GatewayError) return error.details?.outOfSequence === true;
  const status = dockerStatus(error);
  return (
    /update out of sequence|version.*out of date|object version/i.test(dockerMessage(error)) &&
    (status === 500 || status === 409 || status === undefined)
  );
}

/**
 * A Docker answer of one of the swarm's registered managers that is not an endpoint failure, as a client-facing
 * error. Docker's own message is kept for 404/409/400 when it has the Engine API's shape (see managerMessage); the
 * rest gets a fixed message.
 */
export function toGatewayError(error: unknown, swarm: string): GatewayError {
  if (error instanceof GatewayError) return error;
  // Marked, so that a versioned update (src/docker/writes.ts) re-reads the object and tries again.
  if (isOutOfSequence(error)) {
    return new GatewayError(
      'CONFLICT',
      `the object changed on swarm "${swarm}" while it was being updated; read it again and retry`,
      { outOfSequence: true },
    );
  }
  const status = dockerStatus(error);
  const message = managerMessage(error);
  if (status === 404) return new GatewayError('NOT_FOUND', `${message ?? 'not found'} (swarm "${swarm}")`);
  if (status === 409) return new GatewayError('CONFLICT', `${message ?? 'conflict'} (swarm "${swarm}")`);
  if (status === 400) {
    return new GatewayError(
      'BAD_INPUT',
      message
        ? `Docker refused the request: ${message}`
        : `a manager of swarm "${swarm}" refused the request as invalid`,
    );
  }
  return new GatewayError(
    'INTERNAL',
    `a manager of swarm "${swarm}" answered an unexpected error (${engineFailureShort(error)})`,
  );
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
 * Docker's message only picks the case: the engine is the one the caller named, so none of its words are quoted.
 */
export function joinFailure(error: unknown, where: JoinFailureContext): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = dockerMessage(error);
  const status = dockerStatus(error);
  const answered = status !== undefined && engineFailureCause(error) === 'refused';
  const ourTimeout = error instanceof Error && error.name === 'TimeoutError';
  if (ourTimeout || (answered && JOIN_UNREACHABLE.test(message))) {
    return new GatewayError(
      'JOIN_TIMEOUT',
      `engine ${where.engine} could not join swarm "${where.swarm}": it and the managers ` +
        `(${where.managers.join(', ') || 'none known'}) did not reach each other in time. Check the network ` +
        `between them: ${SWARM_PORTS_HINT}.`,
      {
        engine: where.engine,
        managers: [...where.managers],
        ports: ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', 'esp'],
      },
    );
  }
  if (answered && /already part of a swarm/i.test(message)) return alreadyInSwarmError(where.engine);
  if (answered && JOIN_ADDRESS.test(message)) {
    return new GatewayError(
      'BAD_INPUT',
      `engine ${where.engine} cannot choose its swarm addresses by itself: pass advertiseAddress (and ` +
        'listenAddress) explicitly, as addresses of that engine',
      { engine: where.engine },
    );
  }
  if (!answered) {
    return new GatewayError('SWARM_UNREACHABLE', engineFailureText(where.engine, error), {
      engine: where.engine,
      cause: engineFailureCause(error),
    });
  }
  if (/join token|token/i.test(message) && status !== undefined && status < 500) {
    return new GatewayError(
      'CONFLICT',
      `the join token of swarm "${where.swarm}" was refused (it may have been rotated meanwhile); retry`,
    );
  }
  return new GatewayError('INTERNAL', engineFailureText(where.engine, error));
}

/**
 * ALREADY_IN_SWARM for an engine in a swarm that is not the one asked about. One message whatever that swarm is:
 * it names nothing of it, and reads the same whether or not any tenant registered it.
 */
export function alreadyInSwarmError(engine: string): GatewayError {
  return new GatewayError(
    'ALREADY_IN_SWARM',
    `the engine at ${engine} is already part of a swarm: make it leave first (\`docker swarm leave\` on that ` +
      'engine, or the leaveSwarm operation of the swarm it is registered as), then retry',
    { engine },
  );
}
