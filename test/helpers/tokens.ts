// Signs test JWTs with node:crypto, including the malformed and hostile ones a gateway must refuse.
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { requirePlatformAdmin, requireRole } from '../../src/auth/authorize.ts';
import { principalOf, requireAuth } from '../../src/plugins/app/auth.ts';
import { TEST_JWT_SECRET } from '../helper.ts';

export type TestAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'none';

export interface SignOptions {
  alg?: TestAlgorithm;
  /** HMAC secret (HS256) or private key (RS256/ES256); defaults to the test gateway's HS256 secret. */
  key?: string | Buffer | KeyObject;
  kid?: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A compact JWS over exactly these claims: no claim is added, so tests control exp, nbf, iss and aud. */
export function signToken(claims: Record<string, unknown>, options: SignOptions = {}): string {
  const alg = options.alg ?? 'HS256';
  const header = { alg, typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${signature(alg, input, options.key ?? TEST_JWT_SECRET)}`;
}

function signature(alg: TestAlgorithm, input: string, key: string | Buffer | KeyObject): string {
  switch (alg) {
    case 'none':
      return '';
    case 'HS256':
      // Any string works as an HMAC secret, which is exactly how the HS/RS confusion attack uses a public key.
      if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
        throw new Error('HS256 signs with a string or Buffer');
      }
      return createHmac('sha256', key).update(input).digest('base64url');
    case 'RS256':
      return sign('sha256', Buffer.from(input), key).toString('base64url');
    case 'ES256':
      // JWS wants the raw r||s form (RFC 7518 §3.4), not DER.
      return sign('sha256', Buffer.from(input), {
        key: typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
  }
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of a valid token for alice, a viewer of tenant acme, valid for five minutes; override any of them. */
export function claimsFor(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: 'alice', tenant: 'acme', roles: ['viewer'], iat: now, exp: now + 300, ...overrides };
}

/** Removes claims from a claims object, for "missing claim" cases. */
export function without(claims: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Test-only routes behind requireAuth: one echoing the principal, one needing operator, one needing
 * platform-admin. Pass as buildTestApp's beforeReady.
 */
export function addAuthProbeRoutes(app: FastifyInstance): void {
  app.get('/v1/test/whoami', { preHandler: requireAuth }, (request) => principalOf(request));
  app.post('/v1/test/operator-action', { preHandler: requireAuth }, (request) => {
    requireRole(principalOf(request), 'operator', 'scale a service');
    return { done: true };
  });
  app.post('/v1/test/platform-action', { preHandler: requireAuth }, (request) => {
    requirePlatformAdmin(principalOf(request), 'create a tenant');
    return { done: true };
  });
}

/**
 * Asserts a problem+json refusal with this status and code, a detail matching `detail`, and, when given,
 * no trace of `secret` (a token must never be echoed back).
 */
export function assertProblem(
  response: LightMyRequestResponse,
  expected: { status: number; code: string; detail?: RegExp; secret?: string },
): void {
  const body = response.json<{ code: string; status: number; detail: string }>();
  assert.equal(response.statusCode, expected.status, `unexpected status; body: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body.code, expected.code);
  assert.equal(body.status, expected.status);
  if (expected.detail) assert.match(body.detail, expected.detail);
  if (expected.secret) {
    for (const part of expected.secret.split('.').filter((p) => p.length > 8)) {
      assert.ok(!response.body.includes(part), 'the response echoes the token');
    }
  }
}

/** A 401 UNAUTHENTICATED refusal. */
export function assertUnauthenticated(
  response: LightMyRequestResponse,
  detail?: RegExp,
  token?: string,
): void {
  assertProblem(response, {
    status: 401,
    code: 'UNAUTHENTICATED',
    ...(detail ? { detail } : {}),
    ...(token ? { secret: token } : {}),
  });
}
