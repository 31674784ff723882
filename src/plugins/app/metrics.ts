// Decorates the instance with `metrics`: Prometheus metrics of requests, GraphQL operations, Docker calls, jobs,
// the queue and audit writes. Served on their own port or behind a token, never publicly.
import { createServer, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withHook } from '../../util/hooks.ts';
import { RequestHistogram } from './request-histogram.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      dockerCall(swarm: string, endpoint: string, operation: string, ok: boolean, durationMs: number): void;
      auditAppend(durationMs: number, ok: boolean): void;
      jobEnded(type: string, state: string, durationMs: number): void;
      /** Seconds since a swarm's cached state was last confirmed by its managers. */
      cacheStaleness(swarm: string, seconds: number): void;
      /** The kept answers (src/queries/answer-cache.ts), set at scrape time. */
      answerCache(stats: { hits: number; misses: number; bytes: number; documents: number }): void;
      /** Jobs in the queue by BullMQ state, set at scrape time. */
      queueDepth(counts: Record<string, number>): void;
      /** Called at each scrape to refresh gauges that are read on demand (queue depth). */
      onScrape(collect: () => Promise<void>): void;
      /** A request refused 429 RATE_LIMITED, by the budget that refused it (src/plugins/app/rate-limit.ts). */
      rateLimited(budget: 'requests' | 'mutations' | 'anonymous' | 'concurrency'): void;
    };
  }
}

export interface MetricsPluginOptions {
  /** Serve /metrics on this port (same host) instead of the API port. */
  port: number | undefined;
  host: string;
  /** Serve GET /metrics on the API port to callers presenting this bearer token. */
  token: string | undefined;
}

const MAX_OPERATION_NAMES = 200;
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export default fp<MetricsPluginOptions>(
  async (app, options) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'swarmgate_' });
    const httpDuration = new RequestHistogram(
      'swarmgate_http_request_duration_seconds',
      'HTTP request durations by route and status',
      ['method', 'route', 'status'],
      SECONDS,
      registry,
    );
    const graphqlDuration = new RequestHistogram(
      'swarmgate_graphql_operation_duration_seconds',
      'GraphQL operation durations by operation name',
      ['operation'],
      SECONDS,
      registry,
    );
    // Every metric here lives in this registry; histograms use the one set of buckets.
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: SECONDS, registers: [registry] });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Gauge<L>({ name, help, labelNames, registers: [registry] });
    const dockerCalls = counter(
      'swarmgate_docker_calls_total',
      'Docker Engine API calls by swarm, endpoint, operation and result',
      ['swarm', 'endpoint', 'operation', 'result'],
    );
    const dockerDuration = histogram(
      'swarmgate_docker_call_duration_seconds',
      'Docker Engine API call durations by swarm and endpoint',
      ['swarm', 'endpoint'],
    );
    const auditLatency = histogram('swarmgate_audit_write_duration_seconds', 'Audit event write latency', [
      'result',
    ]);
    const jobDuration = histogram(
      'swarmgate_job_duration_seconds',
      'Job durations (queued to ended) by type and final state',
      ['type', 'state'],
    );
    const staleness = gauge(
      'swarmgate_cache_staleness_seconds',
      "Seconds since a swarm's cached state was last confirmed by its managers",
      ['swarm'],
    );
    const answerLookups = gauge(
      'swarmgate_answer_cache_lookups',
      'Lookups of kept answers since the start, by outcome (hit: served from a kept answer)',
      ['outcome'],
    );
    const answerBytes = gauge('swarmgate_answer_cache_bytes', 'Bytes of answers kept', []);
    const queueJobs = gauge('swarmgate_queue_jobs', 'Jobs in the operations queue by state', ['state']);
    const rateLimited = counter(
      'swarmgate_rate_limited_total',
      'Requests refused 429 RATE_LIMITED, by budget (requests, mutations, anonymous, concurrency)',
      ['budget'],
    );
    for (const budget of ['requests', 'mutations', 'anonymous', 'concurrency'])
      rateLimited.inc({ budget }, 0);
    const collectors: (() => Promise<void>)[] = [];
    // GraphQL operation names come from clients: bounded, so a client cannot explode the label set.
    const operationNames = new Set<string>();
    const operationLabel = (name: unknown) => {
      if (typeof name === 'string' && operationNames.has(name)) return name;
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'anonymous';
      if (!operationNames.has(name) && operationNames.size >= MAX_OPERATION_NAMES) return 'other';
      operationNames.add(name);
      return name;
    };

    app.decorate('metrics', {
      registry,
      dockerCall(swarm, endpoint, operation, ok, durationMs) {
        dockerCalls.inc({ swarm, endpoint, operation, result: ok ? 'ok' : 'error' });
        dockerDuration.observe({ swarm, endpoint }, durationMs / 1000);
      },
      auditAppend(durationMs, ok) {
        auditLatency.observe({ result: ok ? 'ok' : 'error' }, durationMs / 1000);
      },
      jobEnded(type, state, durationMs) {
        jobDuration.observe({ type, state }, durationMs / 1000);
      },
      queueDepth(counts) {
        for (const [state, count] of Object.entries(counts)) queueJobs.set({ state }, count);
      },
      cacheStaleness(swarm, seconds) {
        staleness.set({ swarm }, seconds);
      },
      answerCache({ hits, misses, bytes }) {
        answerLookups.set({ outcome: 'hit' }, hits);
        answerLookups.set({ outcome: 'miss' }, misses);
        answerBytes.set(bytes);
      },
      onScrape(collect) {
        collectors.push(collect);
      },
      rateLimited(budget) {
        rateLimited.inc({ budget });
      },
    });

    // A hook per route, knowing its URL: nothing is looked up per request but one child per method and status (a
    // bounded set; no label hashing on every request).
    const operations = new Map<string, (seconds: number) => void>();
    app.addHook('onRoute', (route) => {
      const url = route.url;
      if (url === '/metrics') return;
      const children = new Map<string, (seconds: number) => void>();
      const observe: onResponseHookHandler = (request, reply, done) => {
        const seconds = reply.elapsedTime / 1000;
        if (url === '/graphql' && request.method === 'POST') {
          const body = request.body as { operationName?: unknown } | undefined;
          const operation = operationLabel(body?.operationName);
          let observe = operations.get(operation);
          if (!observe) {
            observe = graphqlDuration.observer(operation);
            operations.set(operation, observe);
          }
          observe(seconds);
        }
        const key = `${request.method} ${reply.statusCode}`;
        let observe = children.get(key);
        if (!observe) {
          observe = httpDuration.observer(request.method, url, String(reply.statusCode));
          children.set(key, observe);
        }
        observe(seconds);
        done();
      };
      route.onResponse = withHook(route.onResponse, observe);
    });

    const render = async () => {
      await Promise.all(collectors.map((collect) => collect().catch(() => undefined)));
      return registry.metrics();
    };

    if (options.token) {
      const expected = Buffer.from(`Bearer ${options.token}`);
      app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
        const given = Buffer.from(request.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply.code(404).send();
        }
        return reply.type(registry.contentType).send(await render());
      });
    }

    let server: Server | undefined;
    if (options.port !== undefined) {
      server = createServer((request, response) => {
        if (request.url !== '/metrics') {
          response.writeHead(404).end();
          return;
        }
        render().then(
          (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
          () => response.writeHead(500).end(),
        );
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port, options.host, resolve);
      });
      app.log.info({ port: options.port }, 'metrics served on their own port');
    }
    app.addHook('onClose', async () => {
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  },
  { name: 'metrics' },
);
