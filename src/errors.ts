// The one catalogue of coded errors (the brief's codes) with their HTTP status; REST and GraphQL map from here.

/**
 * What a code means where: `status`, its HTTP status; `answers`, a request may be answered with it (REST problem
 * documents, GraphQL errors); `endsJobs`, a job may end with it (job.errorCode, the audit's outcome of the job);
 * `refusal`, it means "not done because it must not be" (audited `refused`) rather than "tried and failed".
 */
export interface ErrorCodeEntry {
  readonly status: number;
  readonly answers: boolean;
  readonly endsJobs: boolean;
  readonly refusal: boolean;
}

const answers = (status: number, refusal: boolean, endsJobs: boolean): ErrorCodeEntry => ({
  status,
  answers: true,
  endsJobs,
  refusal,
});
const endsJobsOnly = (status: number): ErrorCodeEntry => ({
  status,
  answers: false,
  endsJobs: true,
  refusal: false,
});

/** The error catalogue: the brief's codes and the few beyond it, each with where it may appear. */
export const ERROR_CATALOGUE = {
  UNAUTHENTICATED: answers(401, true, false),
  /** Ends jobs too: a service job checks the swarm's policy again when it runs (it may have changed). */
  FORBIDDEN: answers(403, true, true),
  NOT_FOUND: answers(404, true, true),
  BAD_INPUT: answers(400, true, true),
  CONFLICT: answers(409, true, true),
  QUORUM_AT_RISK: answers(409, true, true),
  SWARM_UNREACHABLE: answers(503, false, true),
  JOIN_TIMEOUT: answers(504, false, true),
  ALREADY_IN_SWARM: answers(409, true, true),
  IMAGE_MISSING: answers(422, false, true),
  QUEUE_UNAVAILABLE: answers(503, false, false),
  AUDIT_UNAVAILABLE: answers(503, false, false),
  RATE_LIMITED: answers(429, true, false),
  /** A GraphQL operation over the depth, alias or cost limits, or whose answer would be too large. */
  QUERY_TOO_COMPLEX: answers(400, false, false),
  // Beyond the brief: a job that tried and failed for a known reason, or was cancelled. INTERNAL stays for bugs.
  /** A job waited for the swarm to reach what it asked (tasks moved, a role settled...) and its time ran out. */
  JOB_TIMEOUT: endsJobsOnly(504),
  /** Docker paused a rolling update or a rollback (failure action PAUSE): the service runs a mix of specs. */
  UPDATE_PAUSED: endsJobsOnly(409),
  /** Docker rolled an update back by itself (failure action ROLLBACK): the service runs its previous spec. */
  UPDATE_ROLLED_BACK: endsJobsOnly(409),
  /** Someone cancelled the job (cancelJob) before it ended. */
  CANCELLED: endsJobsOnly(409),
  INTERNAL: answers(500, false, true),
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

const ALL_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
/** The codes a request may be answered with, in catalogue order. */
export const REQUEST_ERROR_CODES: readonly ErrorCode[] = ALL_CODES.filter((c) => ERROR_CATALOGUE[c].answers);
/** The codes a job may end with, in catalogue order. */
export const JOB_ERROR_CODES: readonly ErrorCode[] = ALL_CODES.filter((c) => ERROR_CATALOGUE[c].endsJobs);

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The audit phase of an operation or job that ended with this code. */
export function phaseOfErrorCode(code: string): 'refused' | 'failed' {
  return isErrorCode(code) && ERROR_CATALOGUE[code].refusal ? 'refused' : 'failed';
}

/** How an operation or a job that threw `error` ends: its audit phase, code and message. */
export function outcomeOf(error: unknown): { phase: 'refused' | 'failed'; code: ErrorCode; message: string } {
  const client = toClientError(error);
  return { phase: phaseOfErrorCode(client.code), code: client.code, message: client.message };
}

/** An error a client may see: a stable code, a message a person can act on, optional details. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = ERROR_CATALOGUE[code].status;
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
