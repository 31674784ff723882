// GraphQL error formatting: our code in extensions.code, Docker/DB internals never shown, 5xx causes logged.
import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { toClientError } from '../errors.ts';

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
    return [{ message: error.message, ...base, extensions: { code: 'BAD_INPUT' } }];
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
  // A request that could not run at all (syntax, validation) is a client error; partial results are 200.
  const statusCode = execution.data
    ? 200
    : errors.every((error) => error.extensions.code === 'BAD_INPUT')
      ? 400
      : 200;
  return {
    statusCode,
    response: { data: execution.data ?? null, errors: errors as unknown as ExecutionResult['errors'] },
  };
}
