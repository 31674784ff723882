// GraphQL errors as clients get them, built here only: our code in extensions.code, Docker/DB internals never shown,
// 5xx causes logged.
import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ERROR_CATALOGUE, toClientError } from '../errors.ts';
import { isTokensError, tokensMessage } from './limits.ts';

/** Codes a validation rule may give its errors (src/graphql/limits.ts); any other validation error is BAD_INPUT. */
const RULE_CODES = new Set(['BAD_INPUT', 'QUERY_TOO_COMPLEX']);
/** Refusals of a request that did not run at all: answered 400 when they are all there is. */
const REQUEST_CODES = new Set(['BAD_INPUT', 'QUERY_TOO_COMPLEX']);

/** One error of a GraphQL answer: `{message, locations?, path?, extensions: {code, details?}}`. */
export interface FormattedError {
  message: string;
  locations?: readonly { line: number; column: number }[] | undefined;
  path?: readonly (string | number)[] | undefined;
  extensions: { code: string; details?: Readonly<Record<string, unknown>> };
}

/** Where in the document an error is (a field error's path, a syntax error's locations). */
type ErrorPosition = Pick<FormattedError, 'locations' | 'path'>;

/** The error `message` with `code` (and `details`, when given), at `position` in the document. */
export function graphqlError(
  message: string,
  code: string,
  details?: Readonly<Record<string, unknown>>,
  position?: ErrorPosition,
): FormattedError {
  return { message, ...position, extensions: details ? { code, details } : { code } };
}

/** The whole answer to a request refused before anything ran: no data, this one error. */
export function graphqlRefusal(message: string, code: string): { data: null; errors: [FormattedError] } {
  return { data: null, errors: [graphqlError(message, code)] };
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
  const position = { locations: error.locations, path: error.path };
  if (!original || original instanceof GraphQLError) {
    if (isTokensError(error.message))
      return [graphqlError(tokensMessage(), 'QUERY_TOO_COMPLEX', undefined, position)];
    const code = error.extensions.code;
    const ruleCode = typeof code === 'string' && RULE_CODES.has(code) ? code : 'BAD_INPUT';
    return [graphqlError(withoutVariableValue(error.message), ruleCode, undefined, position)];
  }
  const client = toClientError(original);
  if (client.statusCode >= 500 && client.code === 'INTERNAL')
    log.error({ err: original }, 'GraphQL resolver failed');
  return [graphqlError(client.message, client.code, client.details, position)];
}

/**
 * graphql-js's refusal of a variable quotes the value it got (`Variable "$input" got invalid value {...} at
 * "input.value"; String cannot represent a non string value: {...}`). The value may be a secret (createSecret's
 * value sent with a wrong type), and errors reach logs: the message keeps the variable, the path and the reason,
 * never the value.
 */
export function withoutVariableValue(message: string): string {
  const start = /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)" got invalid value /.exec(message);
  if (!start) return message;
  const name = start[1] ?? '';
  const paths = [
    ...message.matchAll(new RegExp(` at "(${name}(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[\\d+\\])*)"; `, 'g')),
  ];
  const at = paths[paths.length - 1];
  const reason = at
    ? message.slice((at.index ?? 0) + at[0].length)
    : message.slice(message.lastIndexOf('; ') + 2);
  // "String cannot represent a non string value: <value>", "Int cannot represent non-integer value: <value>"...
  const withoutValue = reason.replace(/^(\w+ cannot represent [^:]*):[\s\S]*$/, '$1.');
  return `Variable "$${name}" got an invalid value${at ? ` at "${at[1]}"` : ''}; ${withoutValue}`;
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
      ? ERROR_CATALOGUE.BAD_INPUT.status
      : 200;
  return {
    statusCode,
    response: { data: execution.data ?? null, errors: errors as unknown as ExecutionResult['errors'] },
  };
}
