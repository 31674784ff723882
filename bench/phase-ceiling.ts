// Comparison b, the ceiling: a bare fastify hello-world and a bare mercurius `{ hello }`, each in its own process
// pinned like the gateway, measured like it.
import path from 'node:path';
import { measureReads, type Context, type ReadSpec } from './context.ts';
import { graphqlNodes } from './queries.ts';
import { BENCH_DIR, freePort, startChild, waitForHttp } from './processes.ts';
import type { ReadRow } from './types.ts';

/** Starts one bare server (stopped by the run's cleanup at the latest) and names the read to measure on it. */
async function startServer(
  ctx: Context,
  door: 'fastify' | 'mercurius',
  request: { method: string; path: string; headers?: Record<string, string>; body?: string },
  readyPath: string,
  variant = '',
): Promise<{ spec: ReadSpec; stop: () => Promise<void> }> {
  const port = await freePort();
  const name = `${door}-hello${variant ? `-${variant.toLowerCase()}` : ''}`;
  const child = startChild({
    name,
    cpu: ctx.pinning.serverCpu,
    script: path.join(BENCH_DIR, `servers/${door}-hello.ts`),
    env: { PORT: String(port), NODE_ENV: 'production' },
  });
  const stop = ctx.cleanup.add(name, () => child.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, child, 30_000);
  const spec: ReadSpec = {
    id: name,
    label: `${door} hello-world${variant ? ` ${variant}` : ''}`,
    list: 'hello',
    door,
    request: `${request.method} ${request.path}${request.body ? ` ${request.body.slice(0, 60)}` : ''}`,
    items: null,
    target: { url, connections: ctx.settings.connections, requests: [request] },
  };
  return { spec, stop };
}

export interface CeilingServers {
  specs: ReadSpec[];
  stop(): Promise<void>;
}

/**
 * The three bare servers, started and left idle until their reads run. When the lab phase runs, it measures them
 * in turn with its own reads, so that every ratio to the ceiling compares runs taken side by side.
 */
export async function startCeilingServers(ctx: Context): Promise<CeilingServers> {
  ctx.log('b. the ceiling: bare fastify and mercurius');
  const servers = [
    await startServer(ctx, 'fastify', { method: 'GET', path: '/' }, '/'),
    // The GraphQL node list's document as the body: the cost of a POST body alone, on a bare fastify.
    await startServer(
      ctx,
      'fastify',
      {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: graphqlNodes('alpha') }),
      },
      '/',
      'POST',
    ),
    await startServer(
      ctx,
      'mercurius',
      {
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      },
      '/healthz',
    ),
  ];
  return {
    specs: servers.map((server) => server.spec),
    stop: async () => {
      for (const server of servers) await server.stop();
    },
  };
}

/** The ceiling alone (without the lab phase): its three reads, in rounds. */
export async function runCeilingPhase(ctx: Context): Promise<ReadRow[]> {
  const servers = await startCeilingServers(ctx);
  try {
    return await measureReads(ctx, servers.specs);
  } finally {
    await servers.stop();
  }
}
