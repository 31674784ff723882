// Comparisons a and c on the lab's real swarm alpha: node, service and task lists through the gateway (REST and
// GraphQL, real JWT and tenant checks, SWARMGATE_CACHE=on) against the same lists from alpha-m1's Engine API, with
// the gateway's Docker calls counted around every measured run.
import { randomBytes } from 'node:crypto';
import { gatewayJson, httpsJson, measureReads, type Context, type ReadSpec } from './context.ts';
import { Gateway, tokenFor } from './gateway.ts';
import { sleep } from './processes.ts';
import { alphaAnswers, createPendingTasks, labAlpha, TASKS_SERVICE } from './lab-alpha.ts';
import {
  graphqlNodes,
  graphqlServices,
  graphqlTasks,
  itemsOf,
  restNodes,
  restServices,
  restTasks,
  type ListKind,
} from './queries.ts';
import type { MemorySample, ReadRow } from './types.ts';

export const PENDING_TASKS = 1000;

export interface LabPhase {
  reads: ReadRow[];
  /** The reads measured in turn with the lab's (the ceiling's), in the order given. */
  alongside: ReadRow[];
  memory: MemorySample | null;
  totalTasks: number | null;
}

export async function runLabPhase(ctx: Context, alongside: readonly ReadSpec[] = []): Promise<LabPhase> {
  const alpha = labAlpha();
  if (!(await alphaAnswers(alpha))) {
    throw new Error('alpha-m1 does not answer over TLS: the lab is not up (npm run lab -- status)');
  }
  // SWARMGATE_BENCH_READS=rest-nodes (ids, comma-separated): only those reads, to profile one of them.
  const only = process.env.SWARMGATE_BENCH_READS?.split(',');
  const wanted = (specs: ReadSpec[]) => specs.filter((spec) => !only || only.includes(spec.id));
  const tenant = `bench-${randomBytes(3).toString('hex')}`;
  const viewer = tokenFor(tenant, 'viewer');
  const stops: (() => Promise<void>)[] = [];
  /** A gateway with alpha registered in `tenant`. */
  const labGateway = async (name: string, env: Record<string, string> = {}) => {
    const started = await Gateway.start({
      name,
      cpu: ctx.pinning.serverCpu,
      build: ctx.build,
      redisUrl: ctx.redis.url,
      env,
    });
    stops.push(ctx.cleanup.add(name, () => started.stop()));
    await started.registerSwarm(tokenFor(tenant, 'admin'), 'alpha', alpha.endpoints);
    return started;
  };
  const gateway = await labGateway('gateway-lab');
  // What the protections of issue 11 cost: the same reads on gateways with one of them off (idle while the others
  // are measured). Started only when one of their reads is measured.
  const wants = (id: string) => !only || only.includes(id);
  const rateLimitOff = wants('rest-nodes-rl-off')
    ? await labGateway('gateway-lab-rl-off', { SWARMGATE_RATE_LIMIT: 'off' })
    : null;
  const boundsOff = wants('graphql-nodes-bounds-off')
    ? await labGateway('gateway-lab-bounds-off', { SWARMGATE_GRAPHQL_LIMITS: 'off' })
    : null;
  const alphaOnly = new Set(['alpha']);
  const reads: ReadRow[] = [];

  /** A read through a gateway (the lab's by default), with the viewer token. */
  const throughGateway = (
    id: string,
    label: string,
    list: ListKind,
    door: 'REST' | 'GraphQL',
    request: { method: 'GET' | 'POST'; path: string; body?: string },
    through: Gateway = gateway,
  ): ReadSpec => ({
    id,
    label,
    list,
    door,
    request: `${request.method} ${request.path.slice(0, 60)}${request.path.length > 60 ? '…' : ''}`,
    items: null,
    target: {
      url: through.baseUrl,
      connections: ctx.settings.connections,
      requests: [
        {
          ...request,
          headers: {
            authorization: `Bearer ${viewer}`,
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
      ],
    },
    gateway: through,
    swarms: alphaOnly,
  });
  const rest = (list: ListKind, path: string) =>
    throughGateway(`rest-${list}`, `${list} REST`, list, 'REST', { method: 'GET', path });
  const graphql = (list: ListKind, query: string) =>
    throughGateway(`graphql-${list}`, `${list} GraphQL`, list, 'GraphQL', {
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query }),
    });
  // The same documents as GET /graphql?query=… (GraphQL over HTTP allows GET for queries): the same HTTP method as the
  // REST reads, so that the two doors are compared without the cost of reading a request body.
  const graphqlGet = (list: ListKind, query: string) =>
    throughGateway(`graphql-get-${list}`, `${list} GraphQL GET`, list, 'GraphQL', {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(query)}`,
    });
  const direct = (list: ListKind, path: string): ReadSpec => ({
    id: `direct-${list}`,
    label: `${list} Docker API`,
    list,
    door: 'Docker API',
    request: `GET ${alpha.direct.url}${path}`,
    items: null,
    target: {
      url: alpha.direct.url,
      connections: ctx.settings.connections,
      tls: alpha.direct.tls,
      requests: [{ method: 'GET', path }],
    },
  });

  /** Items in one answer of `spec`; a wrong answer stops the run. */
  async function itemsNow(spec: ReadSpec): Promise<number> {
    const request = spec.target.requests[0]!;
    if (spec.door === 'Docker API') {
      const body = await httpsJson(`${spec.target.url}${request.path ?? '/'}`, alpha.direct.tls);
      return itemsOf(spec.list as ListKind, spec.door, body);
    }
    const answer = await gatewayJson(spec.gateway ?? gateway, request);
    if (answer.status !== 200) {
      throw new Error(`${spec.label}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    return itemsOf(spec.list as ListKind, spec.door as 'REST' | 'GraphQL', answer.body);
  }

  /** Checks an answer before measuring; with `expected`, waits (up to 30 s) for the gateway to show that many. */
  async function checked(spec: ReadSpec, expected?: number): Promise<ReadSpec> {
    let items = await itemsNow(spec);
    const deadline = Date.now() + 30_000;
    while (expected !== undefined && items !== expected && Date.now() < deadline) {
      await sleep(250);
      items = await itemsNow(spec);
    }
    if (expected !== undefined && items !== expected) {
      ctx.notes.push(`${spec.label}: answered ${items} items, not the ${expected} alpha holds, after 30 s`);
    }
    return { ...spec, items };
  }

  // alpha gets a service of 1,000 tasks that stay pending (no container starts; creating them takes about a
  // second): the service list is then not empty, and every door reads exactly that service's 1,000 tasks.
  ctx.log(
    `a/c. alpha through the gateway vs alpha-m1 directly (${PENDING_TASKS} pending tasks: ${TASKS_SERVICE})`,
  );
  const pending = await createPendingTasks(alpha, PENDING_TASKS);
  const removePending = ctx.cleanup.add(`service ${TASKS_SERVICE} on alpha`, () => pending.remove());
  const specs: ReadSpec[] = [];
  for (const spec of wanted([
    rest('nodes', restNodes('alpha')),
    ...(rateLimitOff
      ? [
          throughGateway(
            'rest-nodes-rl-off',
            'nodes REST, rate limits off',
            'nodes',
            'REST',
            { method: 'GET', path: restNodes('alpha') },
            rateLimitOff,
          ),
        ]
      : []),
    graphql('nodes', graphqlNodes('alpha')),
    ...(boundsOff
      ? [
          throughGateway(
            'graphql-nodes-bounds-off',
            'nodes GraphQL, bounds off',
            'nodes',
            'GraphQL',
            { method: 'POST', path: '/graphql', body: JSON.stringify({ query: graphqlNodes('alpha') }) },
            boundsOff,
          ),
        ]
      : []),
    graphqlGet('nodes', graphqlNodes('alpha')),
    direct('nodes', '/v1.41/nodes'),
    rest('services', restServices('alpha')),
    graphql('services', graphqlServices('alpha')),
    graphqlGet('services', graphqlServices('alpha')),
    direct('services', '/v1.41/services'),
  ])) {
    specs.push(await checked(spec));
  }
  const filter = encodeURIComponent(JSON.stringify({ service: [TASKS_SERVICE] }));
  for (const spec of wanted([
    rest('tasks', restTasks('alpha', TASKS_SERVICE)),
    graphql('tasks', graphqlTasks('alpha', TASKS_SERVICE)),
    graphqlGet('tasks', graphqlTasks('alpha', TASKS_SERVICE)),
    direct('tasks', `/v1.41/tasks?filters=${filter}`),
  ])) {
    specs.push(await checked(spec, PENDING_TASKS));
  }
  // The ceiling's reads first in every round, then the gateway's and Docker's.
  const measured = await measureReads(ctx, [...alongside, ...specs]);
  reads.push(...measured.slice(alongside.length));
  await removePending();
  const memory = gateway.memory();
  for (const stop of stops) await stop();
  return { reads, alongside: measured.slice(0, alongside.length), memory, totalTasks: pending.totalTasks };
}
