// Comparison b, the ceiling: a bare fastify hello-world and a bare mercurius `{ hello }`, each in its own process
// pinned like the gateway, measured like it.
import path from 'node:path';
import { measureRead, type Context } from './context.ts';
import { graphqlNodes } from './queries.ts';
import { BENCH_DIR, freePort, startChild, waitForHttp } from './processes.ts';
import type { ReadRow } from './types.ts';

async function measureServer(
  ctx: Context,
  door: 'fastify' | 'mercurius',
  request: { method: string; path: string; headers?: Record<string, string>; body?: string },
  readyPath: string,
  variant = '',
): Promise<ReadRow> {
  const port = await freePort();
  const child = startChild({
    name: `${door}-hello`,
    cpu: ctx.pinning.serverCpu,
    script: path.join(BENCH_DIR, `servers/${door}-hello.ts`),
    env: { PORT: String(port), NODE_ENV: 'production' },
  });
  const stop = ctx.cleanup.add(`${door}-hello`, () => child.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, child, 30_000);
  const row = await measureRead(ctx, {
    id: `${door}-hello${variant ? `-${variant.toLowerCase()}` : ''}`,
    label: `${door} hello-world${variant ? ` ${variant}` : ''}`,
    list: 'hello',
    door,
    request: `${request.method} ${request.path}${request.body ? ` ${request.body.slice(0, 60)}` : ''}`,
    items: null,
    target: { url, connections: ctx.settings.connections, requests: [request] },
  });
  await stop();
  return row;
}

export async function runCeilingPhase(ctx: Context): Promise<ReadRow[]> {
  ctx.log('b. the ceiling: bare fastify and mercurius');
  return [
    await measureServer(ctx, 'fastify', { method: 'GET', path: '/' }, '/'),
    // The GraphQL node list's document as the body: the cost of a POST body alone, on a bare fastify.
    await measureServer(
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
    await measureServer(
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
}
