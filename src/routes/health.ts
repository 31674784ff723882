// Liveness (/healthz) and readiness (/readyz: PostgreSQL and Redis answer) probes; no authentication.
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../util/timeout.ts';

const CHECK_TIMEOUT_MS = 1500;

interface CheckResult {
  ok: boolean;
  error?: string;
}

async function check(run: () => Promise<unknown>, what: string): Promise<CheckResult> {
  try {
    await withTimeout(run(), CHECK_TIMEOUT_MS, what);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const checkSchema = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, error: { type: 'string' } },
} as const;

export default function healthRoutes(app: FastifyInstance): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: PostgreSQL and Redis answer',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              checks: { type: 'object', properties: { postgres: checkSchema, redis: checkSchema } },
            },
          },
          503: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              failing: { type: 'array', items: { type: 'string' } },
              checks: { type: 'object', properties: { postgres: checkSchema, redis: checkSchema } },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        check(() => app.pg.query('SELECT 1'), 'PostgreSQL'),
        check(() => app.redis.ping(), 'Redis'),
      ]);
      const checks = { postgres, redis };
      const failing = Object.entries(checks)
        .filter(([, result]) => !result.ok)
        .map(([name]) => name);
      if (failing.length > 0) {
        return reply
          .code(503)
          .send({ status: `not ready: ${failing.join(', ')} unavailable`, failing, checks });
      }
      return { status: 'ready', checks };
    },
  );
}
