// The one catalogue of coded errors (the brief's codes) with their HTTP status; REST and GraphQL map from here.

export const ERROR_CODES = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_INPUT: 400,
  CONFLICT: 409,
  QUORUM_AT_RISK: 409,
  SWARM_UNREACHABLE: 503,
  JOIN_TIMEOUT: 504,
  ALREADY_IN_SWARM: 409,
  IMAGE_MISSING: 422,
  QUEUE_UNAVAILABLE: 503,
  AUDIT_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  /** A GraphQL operation over the depth, alias or cost limits, or whose answer would be too large. */
  QUERY_TOO_COMPLEX: 400,
  // Beyond the brief: a job that tried and failed for a known reason. They end jobs (job.errorCode, the audit's
  // `failed` event) rather than answer requests; INTERNAL stays for bugs.
  /** A job waited for the swarm to reach what it asked (tasks moved, a role settled...) and its time ran out. */
  JOB_TIMEOUT: 504,
  /** Docker paused a rolling update or a rollback (failure action PAUSE): the service runs a mix of specs. */
  UPDATE_PAUSED: 409,
  /** Docker rolled an update back by itself (failure action ROLLBACK): the service runs its previous spec. */
  UPDATE_ROLLED_BACK: 409,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The codes that only ever end jobs (job.errorCode, the audit's `failed` event) and never answer a request: REST's
 * problem documents (and the OpenAPI lists of what a route may answer) leave them out.
 */
export const JOB_ONLY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'JOB_TIMEOUT',
  'UPDATE_PAUSED',
  'UPDATE_ROLLED_BACK',
]);

/** An error a client may see: a stable code, a message a person can act on, optional details. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = ERROR_CODES[code];
    this.details = details;
  }
}

export const unauthenticated = (message = 'a valid bearer token is required') =>
  new GatewayError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new GatewayError('FORBIDDEN', message);
export const notFound = (what: string, ref: string) =>
  new GatewayError('NOT_FOUND', `${what} "${ref}" was not found`, { kind: what, ref });
export const badInput = (message: string, details?: Record<string, unknown>) =>
  new GatewayError('BAD_INPUT', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new GatewayError('CONFLICT', message, details);
export const jobTimeout = (message: string, details?: Record<string, unknown>) =>
  new GatewayError('JOB_TIMEOUT', message, details);

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

export interface ClientError {
  code: ErrorCode;
  statusCode: number;
  message: string;
  details?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The code and status a client sees for any thrown value. Fastify's own 4xx errors (validation, bad
 * content type, body too large) are BAD_INPUT with their status; anything else unknown is INTERNAL and
 * says nothing, since its message may hold anything.
 */
export function toClientError(error: unknown): ClientError {
  if (isGatewayError(error)) {
    return { code: error.code, statusCode: error.statusCode, message: error.message, details: error.details };
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && error instanceof Error) {
    if (statusCode === 404) return { code: 'NOT_FOUND', statusCode, message: error.message };
    if (statusCode === 429) return { code: 'RATE_LIMITED', statusCode, message: error.message };
    return { code: 'BAD_INPUT', statusCode, message: error.message };
  }
  return { code: 'INTERNAL', statusCode: 500, message: 'internal error; see the gateway log' };
}
