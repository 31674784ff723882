// Request budgets and a per-tenant concurrency cap in front of /v1 and /graphql (issue 11, deliverable 5).
//
// Budgets are counted in Redis under keys of the queue prefix, so every gateway sharing that Redis and prefix
// shares the counts. Fixed windows of `windowMs`, started by a key's first count. Near a budget (within 5 %, at
// least 16) and for a key this gateway has not counted in this window, @fastify/rate-limit counts the request on
// its Redis store (the gateway's own ioredis client) and the request waits for the total of all gateways: exact.
// Well below a budget, requests do not wait: their counts are kept and added to the same keys together (INCRBY,
// every half-slack of counts of a key, at most 4,096, or 100 ms), and the total Redis last answered plus this gateway's counts not yet answered
// decides. A Redis script awaited by every request cost the cached node list 40-50 % of its rate on the
// benchmark machine (Redis shares its two cores), unawaited still 25-30 %; see docs/bench.md. Within one gateway a
// budget holds exactly; gateways together may overrun it by the counts the others have not yet added when it runs
// out (at most the slack each: 5 % of the budget, at least 16).
// - requests:  every request of an authenticated principal (tenant + sub), REST and GraphQL alike (GET, POST,
//   WebSocket upgrade), answers served from kept answers included;
// - mutations: REST POST/PUT/PATCH/DELETE under /v1 and GraphQL mutation operations (found after parsing, by a
//   mercurius preExecution hook), the same budget for both doors, on top of `requests`;
// - anonymous: per client address, requests without a bearer token and failed authentications. Once an address
//   is over it, this gateway refuses its unknown tokens without checking their signature until the window ends.
// - concurrency: requests of one tenant in progress in this gateway (in-process; WebSockets are not counted once
//   upgraded), released when the response closes, whether it finished, failed or its socket was cut.
// Not limited: /healthz, /readyz, /metrics, /openapi.json, /docs, /graphiql (probes and static pages).
// Redis unavailable: budgets fail open (skipOnError), the concurrency cap still holds; Redis down also fails
// /readyz and every mutation (QUEUE_UNAVAILABLE), so nothing costly slips through.
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { getOperationAST, Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import type { Redis } from 'ioredis';
import type { Principal } from '../../auth/principal.ts';
import type { Config } from '../../config.ts';
import { GatewayError } from '../../errors.ts';
import { graphqlRefusal } from '../../graphql/errors.ts';
import { withHook } from '../../util/hooks.ts';

/** The budgets a refusal names, also the label of swarmgate_rate_limited_total. */
export type RateLimitBudget = 'requests' | 'mutations' | 'anonymous' | 'concurrency';

declare module 'fastify' {
  interface FastifyRequest {
    /** The budget key being counted, read by @fastify/rate-limit's keyGenerator (set right before each count). */
    rateLimitKey: string;
    /** A GraphQL mutation refused at execution: its answer gets status 429 and Retry-After at onSend. */
    rateLimitRefusal: GatewayError | null;
  }
}

export interface RateLimitPluginOptions {
  limits: Config['rateLimit'];
  /** Redis key prefix (the queue prefix): gateways sharing it share the budgets. */
  prefix: string;
}

type CountedBudget = Exclude<RateLimitBudget, 'concurrency'>;

/** Requests of one tenant in progress in this gateway. */
interface Slot {
  inProgress: number;
}
/** A refusal, null to go on, or either once Redis has answered. */
type Verdict = GatewayError | null | Promise<GatewayError | null>;

/**
 * A budget key as this gateway knows it: its total over every gateway as Redis last answered, its window's end, and
 * this gateway's counts not yet sent and sent but not answered.
 */
interface Known {
  total: number;
  resetAt: number;
  unsent: number;
  sending: number;
}

// Tenants whose slots are kept while idle; past this, idle ones are dropped.
const KNOWN_KEYS = 10_000;
// Budget keys whose window has ended are dropped this often.
const SWEEP_EVERY_MS = 10_000;

/** How far below its budget a key must be for its requests not to wait for their count (5 %, at least 16). */
const slackOf = (max: number) => Math.max(16, Math.ceil(max / 20));
/**
 * Counts of one key a gateway may have kept or on their way without waiting: the slack. Other gateways learn of
 * them when they reach Redis, so they are what a budget may be overrun by, per gateway, in the worst case. (A
 * smaller bound sent a loaded gateway, whose Redis answers come late, to count every request in Redis again.)
 */
const pendingOf = (max: number) => slackOf(max);
/**
 * Kept counts of a key are sent when they are half the slack (at most 4,096), or after 100 ms. Each send is a
 * Redis script; where Redis shares the gateway's cores (the benchmark machine) it takes their time too: batches of
 * at most 256 every 50 ms cost the cached node list 4 % of its rate (0.87x rate limiting off, against 0.91x with no
 * sends at all).
 */
const sendAtOf = (max: number) => Math.max(1, Math.min(4096, Math.floor(slackOf(max) / 2)));
const SEND_EVERY_MS = 100;

type AddCount = (key: string, amount: number, windowMs: number) => Promise<[number, number]>;

/**
 * INCRBY on a key of @fastify/rate-limit's Redis store, its window starting with the first count (as its own script
 * does); answers the total and the time left (ms).
 */
function countAdder(redis: Redis): AddCount {
  const name = 'swarmgateRateLimitAdd';
  if (!(name in redis)) {
    redis.defineCommand(name, {
      numberOfKeys: 1,
      lua: `
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return {total, redis.call('PTTL', KEYS[1])}`,
    });
  }
  const command = (redis as unknown as Record<typeof name, AddCount>)[name];
  return (key, amount, windowMs) => command.call(redis, key, amount, windowMs);
}
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export default fp<RateLimitPluginOptions>(
  async (app, { limits, prefix }) => {
    app.decorateRequest('rateLimitKey', '');
    app.decorateRequest('rateLimitRefusal', null);
    if (!limits.enabled) return;

    const windowSeconds = Math.round(limits.windowMs / 1000);
    // Two counts' answers whose windows end this close together are of the same window.
    const sameWindow = Math.min(1000, limits.windowMs / 2);
    const sizes: Record<CountedBudget, number> = {
      requests: limits.requests,
      mutations: limits.mutations,
      anonymous: limits.anonymous,
    };
    const slack = { requests: 0, mutations: 0, anonymous: 0 };
    const maxPending = { ...slack };
    const sendAt = { ...slack };
    for (const budget of ['requests', 'mutations', 'anonymous'] as const) {
      slack[budget] = slackOf(sizes[budget]);
      maxPending[budget] = pendingOf(sizes[budget]);
      sendAt[budget] = sendAtOf(sizes[budget]);
    }
    const namespace = `${prefix}:rl:`;
    await app.register(fastifyRateLimit, {
      global: false,
      redis: app.redis,
      nameSpace: namespace,
      timeWindow: limits.windowMs,
      // A key starts with its budget's name ("requests:tenant:sub"); tenant slugs hold no colon.
      max: (_request, key) => sizes[key.slice(0, key.indexOf(':')) as keyof typeof sizes],
      keyGenerator: (request) => request.rateLimitKey,
      // Fail open while Redis is away: see the top of this file.
      skipOnError: true,
    });
    const count = app.createRateLimit();
    // "tenant:sub" of each principal, made once (the auth plugin reuses the principals of tokens seen lately).
    const identities = new WeakMap<Principal, { identity: string; requests: string }>();
    const keysOf = (principal: Principal) => {
      let keys = identities.get(principal);
      if (keys === undefined) {
        const identity = `${principal.tenant}:${principal.sub}`;
        keys = { identity, requests: `requests:${identity}` };
        identities.set(principal, keys);
      }
      return keys;
    };
    const addCount = countAdder(app.redis);
    // What this gateway last learned of each budget key from Redis (every count answers the total of all gateways);
    // keys whose window has ended are dropped now and then.
    const known = new Map<string, Known>();
    let redisFailing = false;

    const refusal = (budget: RateLimitBudget, retryMs: number, message: string): GatewayError => {
      const retryAfter = Math.max(1, Math.ceil(retryMs / 1000));
      return new GatewayError('RATE_LIMITED', `${message}; retry in ${retryAfter} s`, {
        budget,
        retryAfterSeconds: retryAfter,
      });
    };
    const describe = (budget: CountedBudget): string => {
      const per = `per ${windowSeconds} s`;
      switch (budget) {
        case 'requests':
          return (
            `rate limited: this caller (the token's tenant and subject) has used its budget of ` +
            `${sizes.requests} requests ${per}`
          );
        case 'mutations':
          return (
            `rate limited: this caller has used its budget of ${sizes.mutations} mutations ${per} ` +
            '(GraphQL mutations and REST POST, PUT, PATCH and DELETE)'
          );
        case 'anonymous':
          return (
            `rate limited: this address has used its budget of ${sizes.anonymous} requests ${per} without a ` +
            'valid bearer token (missing or refused tokens)'
          );
      }
    };

    /** What Redis answered for a key: its total over every gateway, and the time left in its window. */
    const remember = (key: string, total: number, ttl: number): Known => {
      const resetAt = Date.now() + ttl;
      let state = known.get(key);
      if (!state) {
        state = { total, resetAt, unsent: 0, sending: 0 };
        known.set(key, state);
      } else if (Math.abs(resetAt - state.resetAt) < sameWindow) {
        // Answers of counts sent together may arrive in any order: the highest total is the latest.
        state.total = Math.max(state.total, total);
      } else {
        // A new window (its end moved by about a window).
        state.total = total;
        state.resetAt = resetAt;
      }
      return state;
    };

    /** Takes in what @fastify/rate-limit counted; the refusal when it went over the budget. */
    const learn = (
      key: string,
      budget: CountedBudget,
      result: Awaited<ReturnType<typeof count>>,
    ): GatewayError | null => {
      if (result.isAllowed) return null;
      if (result.ttl === 0 && result.remaining === result.max) {
        // skipOnError: the store failed (Redis away) and the request passes.
        if (!redisFailing) app.log.warn('rate limits are not counted while Redis is unavailable');
        redisFailing = true;
        return null;
      }
      redisFailing = false;
      remember(key, result.isExceeded ? result.max + 1 : result.max - result.remaining, result.ttl);
      return result.isExceeded ? refusal(budget, result.ttl, describe(budget)) : null;
    };

    // Requests counted without waiting, added to their keys in Redis together (INCRBY, on the same keys as
    // @fastify/rate-limit's store, the window starting with the first count as there).
    const unsentKeys = new Set<string>();
    const send = (key: string, state: Known) => {
      const amount = state.unsent;
      if (amount === 0) return;
      state.unsent = 0;
      state.sending += amount;
      unsentKeys.delete(key);
      addCount(`${namespace}${key}`, amount, limits.windowMs).then(
        ([total, ttl]) => {
          state.sending -= amount;
          if (ttl > 0) remember(key, total, ttl);
        },
        () => {
          // Redis away: those requests go uncounted (fail open, as @fastify/rate-limit's skipOnError).
          state.sending -= amount;
        },
      );
    };
    let sweptAt = Date.now();
    const flusher = setInterval(() => {
      for (const key of unsentKeys) {
        const state = known.get(key);
        if (state) send(key, state);
        else unsentKeys.delete(key);
      }
      const now = Date.now();
      if (now - sweptAt < SWEEP_EVERY_MS) return;
      sweptAt = now;
      for (const [key, state] of known) {
        if (state.resetAt < now && state.unsent === 0 && state.sending === 0) known.delete(key);
      }
    }, SEND_EVERY_MS);
    flusher.unref();
    app.addHook('onClose', (_instance, closed) => {
      clearInterval(flusher);
      closed();
    });

    /**
     * Counts one request against a budget: the refusal when the budget is spent, or null. Well below the budget
     * the count is kept and sent with others (see the top of this file); near it, or for a key this gateway has
     * not counted in this window, @fastify/rate-limit counts it in Redis and the request waits for the total. A key
     * known to be over its budget is refused without asking Redis again.
     */
    const charge = (
      request: FastifyRequest,
      budget: CountedBudget,
      identity: string,
      key = `${budget}:${identity}`,
    ): Verdict => {
      const max = sizes[budget];
      const state = known.get(key);
      if (state !== undefined) {
        const left = state.resetAt - Date.now();
        if (left > 0) {
          if (state.total > max) return refusal(budget, left, describe(budget));
          const pending = state.unsent + state.sending;
          if (pending < maxPending[budget] && state.total + pending < max - slack[budget]) {
            state.unsent += 1;
            if (state.unsent >= sendAt[budget]) send(key, state);
            else if (state.unsent === 1) unsentKeys.add(key);
            return null;
          }
        }
      }
      request.rateLimitKey = key;
      return count(request).then((result) => learn(key, budget, result));
    };

    // Requests in progress per tenant in this gateway, each given back when its response closes: 'close' comes once
    // per response, after it was sent or when its socket was cut before. (A property of our own on the response,
    // for one listener shared by all, cost the HTTP server's own code more than a closure per request.)
    const running = new Map<string, Slot>();
    const occupy = (reply: FastifyReply, tenant: string): GatewayError | null => {
      let slot = running.get(tenant);
      if (!slot) {
        if (running.size >= KNOWN_KEYS)
          for (const [name, idle] of running) if (idle.inProgress <= 0) running.delete(name);
        slot = { inProgress: 0 };
        running.set(tenant, slot);
      }
      if (slot.inProgress >= limits.tenantConcurrency) {
        return refusal(
          'concurrency',
          1000,
          `rate limited: this tenant already has ${limits.tenantConcurrency} requests in progress on this ` +
            'gateway, its limit of concurrent requests',
        );
      }
      slot.inProgress += 1;
      const held = slot;
      reply.raw.on('close', () => {
        held.inProgress -= 1;
      });
      return null;
    };

    const admitPrincipal = (
      request: FastifyRequest,
      reply: FastifyReply,
      principal: Principal,
      upgrade: boolean,
    ): Verdict => {
      if (!upgrade) {
        const busy = occupy(reply, principal.tenant);
        if (busy) return busy;
      }
      const { identity, requests: requestsKey } = keysOf(principal);
      const requests = charge(request, 'requests', identity, requestsKey);
      if (!MUTATING.has(request.method) || !request.url.startsWith('/v1')) return requests;
      // A REST mutation spends both budgets.
      const mutations = () => charge(request, 'mutations', identity);
      if (requests === null) return mutations();
      if (!(requests instanceof Promise)) return requests;
      return requests.then((refused) => refused ?? mutations());
    };

    /** Who asks, and whether a budget refuses it. Authenticates a token not seen lately (once: later hooks reuse it). */
    const admit = (request: FastifyRequest, reply: FastifyReply, upgrade: boolean): Verdict => {
      const caller = request.principal ?? app.knownPrincipal(request);
      if (caller) return admitPrincipal(request, reply, caller, upgrade);
      const address = normalizeIP(request.ip);
      if (!hasBearer(request)) return charge(request, 'anonymous', address);
      // An address over its budget: its tokens are refused before any signature is checked.
      const spent = known.get(`anonymous:${address}`);
      if (spent !== undefined && spent.total > sizes.anonymous && spent.resetAt > Date.now())
        return refusal('anonymous', spent.resetAt - Date.now(), describe('anonymous'));
      return app.authenticate(request).then(
        (principal) => admitPrincipal(request, reply, principal, upgrade),
        // The route's own authentication answers the failure (401 with its reason) unless the budget is spent.
        () => charge(request, 'anonymous', address),
      );
    };

    const refuse = (
      request: FastifyRequest,
      reply: FastifyReply,
      error: GatewayError,
      done: (error?: Error) => void,
    ) => {
      app.metrics.rateLimited(error.details?.budget as RateLimitBudget);
      void reply.header('retry-after', String(retryAfterOf(error)));
      if (request.routeOptions.url === '/graphql') {
        // Answered here: mercurius's error handler would first build a GraphQL context for the caller.
        void reply.code(429).send(graphqlRefusal(error.message, error.code));
        return;
      }
      done(error);
    };

    /** Goes on, or refuses, at once when the verdict is known (the usual case), or when it is. */
    const settle = (
      verdict: Verdict,
      request: FastifyRequest,
      reply: FastifyReply,
      done: (error?: Error) => void,
    ) => {
      if (verdict === null) return done();
      if (!(verdict instanceof Promise)) return refuse(request, reply, verdict, done);
      verdict.then((refused) => (refused ? refuse(request, reply, refused, done) : done()), done);
    };

    // Ordinary requests at onRequest, before authentication and before kept answers are served (they count too).
    app.addHook('onRequest', (request, reply, done) => {
      if (!isLimited(request.url) || request.headers.upgrade !== undefined) return done();
      settle(admit(request, reply, false), request, reply, done);
    });
    // A WebSocket upgrade at preValidation, where /graphql authenticates it: @fastify/websocket takes the socket
    // over after onRequest, and an answer sent earlier would leave it open.
    app.addHook('preValidation', (request, reply, done) => {
      if (request.headers.upgrade === undefined || !isLimited(request.url)) return done();
      settle(admit(request, reply, true), request, reply, done);
    });

    // GraphQL mutations, once parsed: counted against the caller's mutation budget (the same as REST's).
    const refusedStatus: onSendHookHandler = (request, reply, payload, done) => {
      const refused = request.rateLimitRefusal;
      if (refused) {
        void reply.code(429).header('retry-after', String(retryAfterOf(refused)));
      }
      done(null, payload);
    };
    let graphqlHooked = false;
    app.addHook('onRoute', function (route) {
      if (route.url !== '/graphql' || !this.hasDecorator('graphql')) return;
      route.onSend = withHook(route.onSend, refusedStatus);
      if (graphqlHooked) return;
      graphqlHooked = true;
      this.graphql.addHook('preExecution', async (_schema, document, context) => {
        // Over HTTP the context has the reply; over a WebSocket, the upgrade request.
        const request =
          (context.reply as FastifyReply | undefined)?.request ??
          (context as unknown as { request?: FastifyRequest }).request;
        const principal = request?.principal;
        if (!request || !principal || !isMutation(document, operationNameOf(request))) return;
        const refused = await charge(request, 'mutations', keysOf(principal).identity);
        if (!refused) return;
        app.metrics.rateLimited('mutations');
        request.rateLimitRefusal = refused;
        throw refused;
      });
    });
  },
  { name: 'rate-limit', dependencies: ['redis', 'metrics', 'auth'] },
);

/** /v1 and /graphql (not /graphiql, health, metrics or docs). */
function isLimited(url: string): boolean {
  if (url.startsWith('/v1')) return url.length === 3 || url[3] === '/' || url[3] === '?';
  if (url.startsWith('/graphql')) return url.length === 8 || url[8] === '?' || url[8] === '/';
  return false;
}

function hasBearer(request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return header !== undefined && header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ';
}

function operationNameOf(request: FastifyRequest): string | undefined {
  const from = (request.body ?? request.query) as { operationName?: unknown } | undefined;
  return typeof from?.operationName === 'string' ? from.operationName : undefined;
}

/** The operation that runs is a mutation; when it cannot be told (several, no name), any mutation counts. */
function isMutation(document: DocumentNode, operationName: string | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation) return operation.operation === OperationTypeNode.MUTATION;
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.MUTATION,
  );
}

/** Seconds until the refused budget has room again, as Retry-After says it. */
function retryAfterOf(error: GatewayError): number {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds : 1;
}
