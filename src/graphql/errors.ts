// GraphQL error formatting: our code in extensions.code, Docker/DB internals never shown, 5xx causes logged.
import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ERROR_CODES, toClientError } from '../errors.ts';
import { isTokensError, tokensMessage } from './limits.ts';

/** Codes a validation rule may give its errors (src/graphql/limits.ts); any other validation error is BAD_INPUT. */
const RULE_CODES = new Set(['BAD_INPUT', 'QUERY_TOO_COMPLEX']);
/** Refusals of a request that did not run at all: answered 400 when they are all there is. */
const REQUEST_CODES = new Set(['BAD_INPUT', 'QUERY_TOO_COMPLEX']);

interface FormattedError {
  message: string;
  locations?: readonly { line: number; column: number }[] | undefined;
  path?: readonly (string | number)[] | undefined;
  extensions: { code: string; [key: string]: unknown };
}

/** GraphQL validation and syntax errors (no original error) are BAD_INPUT; others map through errors.ts. */
export function formatGraphqlError(error: GraphQLError, log: FastifyBaseLogger): FormattedError[] {
  const original = error.originalError;
  // Mercurius wraps query validation failures: one error holding the list of GraphQL errors.
  const wrapped: unknown = (original as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(wrapped)) {
    return wrapped.flatMap((inner: unknown) =>
      inner instanceof GraphQLError
        ? formatGraphqlError(inner, log)
        : formatGraphqlError(new GraphQLError(String(inner)), log),
    );
  }
  const base = { locations: error.locations, path: error.path };
  if (!original || original instanceof GraphQLError) {
    if (isTokensError(error.message))
      return [{ message: tokensMessage(), ...base, extensions: { code: 'QUERY_TOO_COMPLEX' } }];
    const code = error.extensions.code;
    return [
      {
        message: error.message,
        ...base,
        extensions: { code: typeof code === 'string' && RULE_CODES.has(code) ? code : 'BAD_INPUT' },
      },
    ];
  }
  const client = toClientError(original);
  if (client.statusCode >= 500 && client.code === 'INTERNAL')
    log.error({ err: original }, 'GraphQL resolver failed');
  return [
    {
      message: client.message,
      ...base,
      extensions: { code: client.code, ...(client.details ? { details: client.details } : {}) },
    },
  ];
}

export function formatExecution(
  execution: ExecutionResult & { statusCode?: number },
  log: FastifyBaseLogger,
): { statusCode: number; response: ExecutionResult } {
  const errors = (execution.errors ?? []).flatMap((error) => formatGraphqlError(error, log));
  // A request that could not run at all (syntax, validation, bounds) is a client error; partial results are 200.
  const statusCode = execution.data
    ? 200
    : errors.every((error) => REQUEST_CODES.has(error.extensions.code))
      ? ERROR_CODES.BAD_INPUT
      : 200;
  return {
    statusCode,
    response: { data: execution.data ?? null, errors: errors as unknown as ExecutionResult['errors'] },
  };
}
