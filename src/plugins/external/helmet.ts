// Security headers on every answer of the HTTP API (helmet's), with a strict Content-Security-Policy: nothing from
// another origin. The pages (GraphiQL at /graphiql, its assets served from npm packages, and Swagger UI at /docs, local
// assets) get helmet's full set with a policy under which they work: their scripts and styles are files of this
// origin, their fonts and icons data: URLs (test/integration/browser-pages.test.ts). API answers (JSON, problem documents) get
// the few headers that matter for them, with the strictest policy (`default-src 'none'`).
//
// The headers are computed once by helmet (the library @fastify/helmet wraps): none varies by request (no nonces).
// @fastify/helmet itself runs helmet(configuration) again in two async onRequest hooks of every request, which took a
// hello-world route from about 9,400 to 2,800 requests/s on this machine; one synchronous hook setting precomputed
// headers costs next to nothing, and API answers carry 5 headers rather than 12.
import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** The policy (also in the README's security section). */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  // 'self' covers ws: and wss: to this host and port (subscriptions) in CSP 3.
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The pages' headers: helmet's defaults with the policy above. */
export const PAGE_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  // Browsers ignore HSTS over plain HTTP; behind a TLS proxy it keeps them on HTTPS. Not for subdomains: the gateway
  // does not own its parent domain's other hosts.
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
};

/** The headers helmet sets with `options`, collected once from a response that only records them. */
/** API answers: no content to run, so nothing may load; not framed, not sniffed, no referrer, HSTS. */
export const API_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  strictTransportSecurity: PAGE_OPTIONS.strictTransportSecurity,
  referrerPolicy: PAGE_OPTIONS.referrerPolicy,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/** Paths of the pages (and their assets) a browser opens. */
export const isPage = (url: string) => url.startsWith('/graphiql') || url.startsWith('/docs');

/** The headers helmet sets with `options`, collected once from a response that only records them. */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error instanceof Error) throw error;
  });
  return headers;
}

export default fp(
  (app, _options, done) => {
    const page = securityHeaders(PAGE_OPTIONS);
    const api = securityHeaders(API_OPTIONS);
    // The first onRequest hook of the app: answers sent by later hooks (kept answers, refusals) carry them too.
    app.addHook('onRequest', (request, reply, next) => {
      void reply.headers(isPage(request.url) ? page : api);
      next();
    });
    done();
  },
  { name: 'security-headers', fastify: '5.x' },
);
