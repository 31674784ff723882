// Authentication: verifies the bearer JWT with the configured key and pinned algorithm and yields the Principal.
import fastifyJwt, { type FastifyJWTOptions, type TokenOrHeader } from '@fastify/jwt';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import buildGetJwks from 'get-jwks';
import { LRUCache } from 'lru-cache';
import { principalFromClaims, type PlatformTrust, type Principal } from '../../auth/principal.ts';
import type { Config } from '../../config.ts';
import { isGatewayError, unauthenticated, type GatewayError } from '../../errors.ts';
import { TimeoutError, withTimeout } from '../../util/timeout.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Verifies the request's bearer token and returns who is calling (also kept in `request.principal`).
     * Every failure is a GatewayError UNAUTHENTICATED whose message says what to fix, never quoting the token.
     */
    authenticate(request: FastifyRequest): Promise<Principal>;
    /**
     * The caller, without waiting, when the request's token was verified lately (the usual case for a client sending
     * the same token again): sets `request.principal`. Null: call `authenticate`.
     */
    knownPrincipal(request: FastifyRequest): Principal | null;
  }
  interface FastifyRequest {
    /** The authenticated caller; null until `requireAuth` (or `authenticate`) has run for this request. */
    principal: Principal | null;
  }
}

export interface AuthPluginOptions {
  jwt: Config['jwt'];
  /** Where platform-admin is honoured from. */
  platform: PlatformTrust;
}

// Tolerates small clock drift between the identity provider and the gateway on exp and nbf.
const CLOCK_TOLERANCE_MS = 5_000;
const VERIFIED_TOKEN_CACHE_SIZE = 1_000;
const VERIFIED_TOKEN_CACHE_TTL_MS = 10 * 60_000;
// How long a refused token's verdict is reused: the same bad token replayed costs no signature check.
const REFUSED_TOKEN_CACHE_TTL_MS = 60_000;
// Verdicts that change with time or with the JWKS must be recomputed on every attempt.
const TRANSIENT_REFUSALS = new Set([
  'FAST_JWT_INACTIVE',
  'FAST_JWT_KEY_FETCHING_ERROR',
  'FAST_JWT_MISSING_KEY',
]);
// A key removed from the JWKS (revoked) stops verifying within this time.
const JWKS_CACHE_TTL_MS = 5 * 60_000;
const JWKS_FETCH_TIMEOUT_MS = 5_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const NO_KEY_MESSAGE =
  'this gateway has no JWT verification key configured: set SWARMGATE_JWT_SECRET (HS256, development) ' +
  'or SWARMGATE_JWT_PUBLIC_KEY / SWARMGATE_JWT_JWKS_URL (RS256/ES256)';

/**
 * preHandler for a route or a whole subtree (`app.addHook('preHandler', requireAuth)`): sets
 * `request.principal` or answers 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750).
 */
export async function requireAuth(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    await request.server.authenticate(request);
  } catch (error) {
    void reply.header('www-authenticate', 'Bearer realm="swarmgate"');
    throw error;
  }
}

/**
 * The same as a callback-style hook (onRequest of the REST subtree): a token verified lately passes without a promise
 * in between.
 */
export function requireAuthHook(
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  if (request.principal || request.server.knownPrincipal(request)) {
    done();
    return;
  }
  requireAuth(request, reply).then(() => done(), done);
}

/** The caller of a request behind `requireAuth`; a route that forgot `requireAuth` fails closed (401). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw unauthenticated();
  return request.principal;
}

export default fp<AuthPluginOptions>(
  async (app, { jwt, platform }) => {
    app.decorateRequest('principal', null);
    const algorithm = jwt.algorithm;
    const key =
      jwt.jwksUrl && algorithm ? jwksKeyResolver(jwt.jwksUrl, algorithm) : (jwt.secret ?? jwt.publicKey);
    if (algorithm === undefined || key === undefined) {
      // Only reachable outside production (config refuses it there): the gateway starts, health answers, no one logs in.
      app.log.warn(NO_KEY_MESSAGE);
      app.decorate('authenticate', () => Promise.reject(unauthenticated(NO_KEY_MESSAGE)));
      app.decorate('knownPrincipal', () => null);
      return;
    }

    await app.register(fastifyJwt, jwtPluginOptions(jwt, algorithm, key));
    const describe = failureDescriber(jwt, algorithm);

    // Principals of tokens verified lately, by the token itself: a client sending the same token again costs a
    // lookup, not a decode, a hash and a signature check. Served only inside the token's own validity window (nbf to
    // exp, without the clock tolerance: a token near its expiry is checked in full), for at most the time fast-jwt
    // keeps its own verdicts.
    // (Its own time limit instead of lru-cache's ttl: one clock read per lookup instead of several.)
    const verified = new LRUCache<string, { principal: Principal; from: number; until: number }>({
      max: VERIFIED_TOKEN_CACHE_SIZE,
    });

    const knownPrincipal = (request: FastifyRequest): Principal | null => {
      const token = presentedToken(request);
      const known = token === undefined ? undefined : verified.get(token);
      if (!known) return null;
      const now = Date.now();
      if (now < known.from || now >= known.until) return null;
      request.principal = known.principal;
      return known.principal;
    };
    app.decorate('knownPrincipal', knownPrincipal);

    app.decorate('authenticate', async (request: FastifyRequest): Promise<Principal> => {
      if (request.principal) return request.principal;
      const known = knownPrincipal(request);
      if (known) return known;
      const token = presentedToken(request);
      let claims: unknown;
      try {
        claims = await request.jwtVerify();
      } catch (error) {
        throw describe(error, request.log);
      }
      const principal = principalFromClaims(claims, platform);
      request.principal = principal;
      const window = validityOf(claims);
      if (token !== undefined && window) {
        const until = Math.min(window.until, Date.now() + VERIFIED_TOKEN_CACHE_TTL_MS);
        verified.set(token, { principal, from: window.from, until });
      }
      return principal;
    });
  },
  { name: 'auth', fastify: '5.x' },
);

type JwtAlgorithm = NonNullable<Config['jwt']['algorithm']>;
type VerificationKey = string | ReturnType<typeof jwksKeyResolver>;

function jwtPluginOptions(
  jwt: Config['jwt'],
  algorithm: JwtAlgorithm,
  key: VerificationKey,
): FastifyJWTOptions {
  const requiredClaims = ['exp'];
  if (jwt.issuer !== undefined) requiredClaims.push('iss');
  if (jwt.audience !== undefined) requiredClaims.push('aud');
  return {
    // Verify-only (`public` without `private`): the gateway never issues tokens.
    secret: { public: key },
    // The whole token (header included) reaches the JWKS resolver, which needs the header's kid.
    decode: { complete: true },
    verify: {
      // Pinned by configuration: the token's own `alg` header is only compared with it, so `none` and HS/RS
      // confusion (an HMAC made with the public key as the secret) are refused.
      algorithms: [algorithm],
      // fast-jwt skips iss/aud checks for a token lacking the claim, so requiring them is what makes them checked.
      requiredClaims,
      ...(jwt.issuer !== undefined ? { allowedIss: jwt.issuer } : {}),
      ...(jwt.audience !== undefined ? { allowedAud: jwt.audience } : {}),
      clockTolerance: CLOCK_TOLERANCE_MS,
      cache: VERIFIED_TOKEN_CACHE_SIZE,
      cacheTTL: VERIFIED_TOKEN_CACHE_TTL_MS,
      errorCacheTTL: (error) => (TRANSIENT_REFUSALS.has(error.code) ? -1 : REFUSED_TOKEN_CACHE_TTL_MS),
      extractToken: bearerToken,
    },
    // fast-jwt's own wording ("The token signature is invalid.") is what failureDescriber recognises.
    messages: { authorizationTokenInvalid: (error) => error.message },
  };
}

/** The token of an "Authorization: Bearer <JWT>" header, as bearerToken will read it; undefined otherwise. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ')
    return undefined;
  return header.slice(7).trim();
}

/** When a verified token's claims say it may be used (ms): from nbf (or now) to exp; undefined without exp. */
function validityOf(claims: unknown): { from: number; until: number } | undefined {
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { exp, nbf } = claims as { exp?: unknown; nbf?: unknown };
  if (typeof exp !== 'number') return undefined;
  return { from: typeof nbf === 'number' ? nbf * 1000 : 0, until: exp * 1000 };
}

/** Reads "Authorization: Bearer <JWT>", refusing anything else with a message saying what was expected. */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization?.trim();
  if (!header) throw unauthenticated('no bearer token: send the header "Authorization: Bearer <JWT>"');
  const space = header.indexOf(' ');
  // The scheme is never echoed: a client that forgot "Bearer " would see its token in the message.
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') {
    throw unauthenticated('the Authorization header must be "Bearer <JWT>"');
  }
  const token = header.slice(space + 1).trim();
  if (!JWT_SHAPE.test(token)) {
    throw unauthenticated('the bearer token is not a JWT (three base64url parts separated by dots)');
  }
  return token;
}

/** Fetches the public key for the token's `kid` from the configured JWKS URL (get-jwks caches it per kid). */
function jwksKeyResolver(jwksUrl: string, algorithm: string) {
  // get-jwks wants a base and a path; both come from configuration, never from the token's `iss`.
  const url = new URL(jwksUrl);
  const domain = `${url.origin}/`;
  const jwksPath = `${url.pathname}${url.search}`.replace(/^\/+/, '');
  const getJwks = buildGetJwks({ jwksPath, ttl: JWKS_CACHE_TTL_MS, max: 100 });
  return async (_request: FastifyRequest, token: TokenOrHeader): Promise<string> => {
    const header: unknown = 'payload' in token ? token.header : token;
    const kid = (header as { kid?: unknown }).kid;
    if (typeof kid !== 'string' || kid === '') {
      throw unauthenticated(
        'bearer token refused: its header has no key id (kid), needed to pick the signing key from the JWKS',
      );
    }
    try {
      return await withTimeout(
        getJwks.getPublicKey({ domain, alg: algorithm, kid }),
        JWKS_FETCH_TIMEOUT_MS,
        'the JWKS',
      );
    } catch (error) {
      // get-jwks caches the pending fetch; a hung one must not keep answering for this kid until its ttl.
      if (error instanceof TimeoutError) {
        getJwks.cache.delete(getJwks.generateCacheKey(algorithm, kid, domain));
      }
      throw error;
    }
  };
}

/** Maps every verification failure to UNAUTHENTICATED with a message that says what to fix. */
function failureDescriber(jwt: Config['jwt'], algorithm: string) {
  const refused = (reason: string) => unauthenticated(`bearer token refused: ${reason}`);
  return (error: unknown, log: FastifyBaseLogger): GatewayError => {
    if (isGatewayError(error)) return error;
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : '';
    log.debug({ reason: code }, 'bearer token refused');
    switch (code) {
      case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
      case 'FAST_JWT_EXPIRED':
        return refused('it has expired; get a new token from the identity provider');
      case 'FAST_JWT_INACTIVE':
        return refused("it is not valid yet (nbf is in the future); retry later or check the issuer's clock");
      case 'FAST_JWT_MISSING_SIGNATURE':
      case 'FAST_JWT_INVALID_ALGORITHM':
        return refused(
          `this gateway accepts only ${algorithm}-signed tokens; unsigned tokens and other algorithms are refused`,
        );
      case 'JWK_NOT_FOUND':
        return refused(
          `its key id (kid) is not in the JWKS at ${jwt.jwksUrl ?? 'SWARMGATE_JWT_JWKS_URL'} (for ${algorithm})`,
        );
      case 'FST_JWT_AUTHORIZATION_TOKEN_INVALID':
        return refused(describeInvalid(message, jwt, algorithm));
    }
    if (jwt.jwksUrl !== undefined && isJwksUnavailable(error, code)) {
      log.warn({ err: error }, 'JWKS unavailable: bearer tokens cannot be verified');
      return unauthenticated(
        'bearer token could not be verified: the signing keys could not be fetched from the JWKS; try again shortly',
      );
    }
    if (typeof code === 'string' && code.startsWith('FAST_JWT_')) {
      // fast-jwt's messages describe the token ("The exp claim must be a number.") and never quote it.
      return refused(sentence(message));
    }
    log.warn({ err: error }, 'unexpected bearer token verification failure');
    return refused('it could not be verified');
  };
}

/** A JWKS that did not answer, answered an error, or answered something that is not a key set. */
function isJwksUnavailable(error: unknown, code: unknown): boolean {
  if (code === 'JWKS_REQUEST_FAILED' || code === 'NO_JWKS') return true;
  // fetch() rejects with a TypeError when the server is unreachable; response.json() with a SyntaxError.
  return error instanceof TimeoutError || error instanceof TypeError || error instanceof SyntaxError;
}

/**
 * @fastify/jwt folds fast-jwt's signature, claim-value and missing-claim errors into one code and keeps only
 * fast-jwt's message, so the message is what tells them apart; an unrecognised one is passed through.
 */
function describeInvalid(message: string, jwt: Config['jwt'], algorithm: string): string {
  const missing = /The (\w+) claim is required/.exec(message)?.[1];
  switch (true) {
    case /signature is invalid/i.test(message):
      return 'its signature does not verify with the key this gateway trusts';
    case /malformed|not a valid base64url|invalid type/i.test(message):
      return 'it is not a well-formed JWT';
    case /invalid public key/i.test(message):
      return `the JWKS key for its kid cannot verify ${algorithm}`;
    case missing === 'exp':
      return 'it has no expiry (exp); this gateway only accepts tokens that expire';
    case missing === 'iss':
      return `it has no issuer (iss); this gateway accepts tokens issued by "${jwt.issuer}"`;
    case missing === 'aud':
      return `it has no audience (aud); this gateway is audience "${jwt.audience}"`;
    case /\biss claim/.test(message):
      return `its issuer (iss) is not "${jwt.issuer}"`;
    case /\baud claim/.test(message):
      return `its audience (aud) does not include "${jwt.audience}"`;
    default:
      return sentence(message) || 'it could not be verified';
  }
}

/** fast-jwt's "The exp claim must be a number." as a clause of our message. */
function sentence(message: string): string {
  return message.replace(/\.$/, '').replace(/^The /, 'the ');
}
