// Issue 11's protection scenario: a depth bomb and a 2,000-alias query sent to a gateway with its GraphQL bounds
// on (the defaults) and alpha registered. How fast each is refused on one connection, and then, under 20
// connections sending both for 10 s, how /healthz answers meanwhile and how much the gateway's memory grows. Each
// twice: the same documents repeated, and a new document every request.
import { Agent, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Context } from './context.ts';
import { Gateway, tokenFor } from './gateway.ts';
import { labAlpha, alphaAnswers } from './lab-alpha.ts';
import type { LoadResult } from './load.ts';
import { sleep } from './processes.ts';
import { aliasBomb, depthBomb } from './queries.ts';
import { summarize } from './stats.ts';
import type { ProtectionFlood, ProtectionResult, ProtectionRow, ProtectionVariant } from './types.ts';

type FloodHealth = ProtectionFlood['health'];

const FLOOD_CONNECTIONS = 20;
const FLOOD_SECONDS = 10;
const ALONE_SECONDS = 3;
/**
 * The same document again and again (mercurius keeps the validation errors of a document it has seen: the refusal
 * is a lookup), and a new document each time (`[<id>]` replaced: parsed and validated every time).
 */
const VARIANTS: readonly ProtectionVariant[] = ['repeated', 'unique'];

export async function runProtectionPhase(ctx: Context): Promise<ProtectionResult> {
  const alpha = labAlpha();
  if (!(await alphaAnswers(alpha))) {
    throw new Error('alpha-m1 does not answer over TLS: the lab is not up (npm run lab -- status)');
  }
  ctx.log('f. protection: a depth bomb and a 2,000-alias query against the GraphQL bounds');
  const gateway = await Gateway.start({
    name: 'gateway-protection',
    cpu: ctx.pinning.serverCpu,
    build: ctx.build,
    redisUrl: ctx.redis.url,
  });
  const stopGateway = ctx.cleanup.add('gateway-protection', () => gateway.stop());
  const tenant = `bench-${randomBytes(3).toString('hex')}`;
  await gateway.registerSwarm(tokenFor(tenant, 'admin'), 'alpha', alpha.endpoints);
  const headers = {
    authorization: `Bearer ${tokenFor(tenant, 'viewer')}`,
    'content-type': 'application/json',
  };
  const bombs = [
    { id: 'depth-bomb', label: 'depth bomb (tasks→node→tasks→service→tasks…)', query: depthBomb('alpha') },
    { id: 'alias-bomb', label: '2,000 aliases of one swarm read', query: aliasBomb('alpha') },
  ] as const;

  const rows: ProtectionRow[] = [];
  let allRefused = true;
  for (const bomb of bombs) {
    const body = JSON.stringify({ query: bomb.query });
    // One first, with a time limit: a gateway without its bounds would take seconds and gigabytes on it, and is
    // then not flooded.
    const first = await fetch(`${gateway.baseUrl}/graphql`, {
      method: 'POST',
      headers,
      body: body.replaceAll('[<id>]', randomBytes(8).toString('hex')),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = (await first.json().catch(() => null)) as {
      errors?: { extensions?: { code?: string } }[];
    } | null;
    const code = answer?.errors?.[0]?.extensions?.code ?? null;
    const refused = first.status >= 400 && first.status < 500;
    allRefused &&= refused;
    if (!refused)
      ctx.notes.push(`${bomb.label}: NOT refused (HTTP ${first.status}); not measured under load`);
    for (const variant of VARIANTS) {
      const alone = refused
        ? await ctx.load.run({
            url: gateway.baseUrl,
            connections: 1,
            duration: ALONE_SECONDS,
            requests: [{ method: 'POST', path: '/graphql', headers, body }],
            anyStatus: true,
            unique: variant === 'unique',
          })
        : null;
      rows.push({
        id: bomb.id,
        variant,
        label: bomb.label,
        bytes: Buffer.byteLength(body),
        status: first.status,
        code,
        alone,
      });
    }
  }

  const floods: ProtectionFlood[] = [];
  for (const variant of allRefused ? VARIANTS : []) {
    ctx.log(
      `  ${FLOOD_CONNECTIONS} connections sending both (${variant}) for ${FLOOD_SECONDS} s, /healthz probed meanwhile`,
    );
    const before = gateway.memory();
    let highest = before?.rss ?? 0;
    const sampling = setInterval(() => {
      highest = Math.max(highest, gateway.memory()?.rss ?? 0);
    }, 100);
    const probe = probeHealth(gateway.baseUrl);
    let load: LoadResult;
    try {
      load = await ctx.load.run({
        url: gateway.baseUrl,
        connections: FLOOD_CONNECTIONS,
        duration: FLOOD_SECONDS,
        requests: bombs.map((bomb) => ({
          method: 'POST',
          path: '/graphql',
          headers,
          body: JSON.stringify({ query: bomb.query }),
        })),
        anyStatus: true,
        unique: variant === 'unique',
      });
    } finally {
      clearInterval(sampling);
    }
    const health = await probe.stop();
    await sleep(200);
    const after = gateway.memory();
    floods.push({
      variant,
      connections: FLOOD_CONNECTIONS,
      seconds: FLOOD_SECONDS,
      load,
      health,
      rssBefore: before?.rss ?? null,
      rssHighest: highest || null,
      rssAfter: after?.rss ?? null,
    });
  }
  await stopGateway();
  return { rows, floods };
}

/** GET /healthz over and over (one at a time, a keep-alive connection) until stopped; its latencies. */
function probeHealth(baseUrl: string): { stop(): Promise<FloodHealth> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL('/healthz', baseUrl);
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const request = httpRequest(url, { agent, timeout: 10_000 }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - started);
          else failures += 1;
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(new Error('time-out')));
      request.on('error', () => {
        failures += 1;
        resolve();
      });
      request.end();
    });
  const loop = (async () => {
    while (running) {
      await once();
      await sleep(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return { ...summarize(latencies), failures };
    },
  };
}
