// GraphQL over HTTP for tests: a query through the app's inject, its data or a failure naming the errors, and tokens
// for a tenant and roles.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { bearer, claimsFor, signToken } from './tokens.ts';

export interface GraphqlAnswer<T> {
  status: number;
  data: T | null;
  errors: { message: string; path?: string[]; extensions: { code: string } }[] | undefined;
}

export async function gql<T = Record<string, unknown>>(
  app: FastifyInstance,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlAnswer<T>> {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(token),
    payload: { query, variables },
  });
  const body = response.json<{ data?: T | null; errors?: GraphqlAnswer<T>['errors'] }>();
  return { status: response.statusCode, data: body.data ?? null, errors: body.errors };
}

/** The answer's data, failing the test with the errors when there are any. */
export function dataOf<T>(answer: GraphqlAnswer<T>): T {
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  assert.ok(answer.data);
  return answer.data;
}

export const tokenFor = (tenant: string, roles: string[], extra: Record<string, unknown> = {}) =>
  signToken(claimsFor({ sub: `${tenant}-${roles.join('-')}`, tenant, roles, ...extra }));
