// Comparison e: the time to accept a mutation (authorised, audited `requested`, job row written, queued) with the
// worker off, through both doors, against a raw BullMQ Queue.add() loop. Against a simulated swarm, because
// updateNodeLabels reads the node first.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { gatewayJson, type Context } from './context.ts';
import { Gateway, platformToken, tokenFor } from './gateway.ts';
import type { LoadResult } from './load.ts';
import { fakeSocket, startFakeEngines } from './phase-growth.ts';
import { BENCH_DIR, startChild } from './processes.ts';
import type { LatencySummary } from './stats.ts';
import type { MutationRow } from './types.ts';

const SWARM = 'sim-mutations';
const QUEUE_ADD_WARMUP = 50;

interface Door {
  id: string;
  label: string;
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  /** The refusal is what is measured (cancelJob fallback): time every answer, not only 2xx. */
  anyStatus: boolean;
  note: string;
}

function summaryOf(result: LoadResult): LatencySummary & { rps: number } {
  const { count, p50, p90, p99, mean, max } = result;
  // Sequential calls: the rate is the inverse of the mean (autocannon's run time is rounded to 10 ms).
  return { count, p50, p90, p99, mean, max, rps: 1000 / mean };
}

export async function runMutationPhase(ctx: Context): Promise<MutationRow[]> {
  ctx.log('e. accepting a mutation vs a raw queue add');
  const engines = await startFakeEngines(ctx, 'mutations', [
    { name: SWARM, socket: fakeSocket('mutations', 0), nodes: 100, tasks: 1000 },
  ]);
  const gateway = await Gateway.start({
    name: 'gateway-mutations',
    cpu: ctx.pinning.serverCpu,
    build: ctx.build,
    redisUrl: ctx.redis.url,
    // Introspection is off under NODE_ENV=production: the phase asks the schema which mutations it has.
    env: {
      SWARMGATE_WORKER: 'off',
      SWARMGATE_QUICK_JOB_WAIT_MS: '0',
      SWARMGATE_GRAPHQL_INTROSPECTION: 'true',
    },
  });
  const stopGateway = ctx.cleanup.add('gateway-mutations', () => gateway.stop());
  const tenant = `bench-${randomBytes(3).toString('hex')}`;
  const admin = tokenFor(tenant, 'admin');
  const operator = tokenFor(tenant, 'operator');
  await gateway.registerSwarm(
    platformToken(),
    SWARM,
    [{ url: `unix://${engines.swarms[0]!.socket}` }],
    tenant,
  );
  const node = engines.swarms[0]!.hostnames[1]!;

  const schema = await gateway.graphql<{ __schema: { mutationType: { fields: { name: string }[] } } }>(
    admin,
    '{ __schema { mutationType { fields { name } } } }',
  );
  const mutations = new Set(schema.data?.__schema.mutationType.fields.map((field) => field.name) ?? []);
  const json = { authorization: `Bearer ${operator}`, 'content-type': 'application/json' };
  let doors: Door[];
  if (mutations.has('updateNodeLabels')) {
    const note = `updateNodeLabels on ${node} of a simulated 100-node swarm; worker off, so the job stays queued`;
    doors = [
      {
        id: 'graphql-update-node-labels',
        label: 'updateNodeLabels GraphQL',
        request: {
          method: 'POST',
          path: '/graphql',
          headers: json,
          body: JSON.stringify({
            query:
              'mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { id state } }',
            variables: {
              input: { swarm: SWARM, node, add: [{ key: 'bench', value: '1' }], reason: 'benchmark' },
            },
          }),
        },
        anyStatus: false,
        note,
      },
      {
        id: 'rest-update-node-labels',
        label: 'updateNodeLabels REST',
        request: {
          method: 'PATCH',
          path: `/v1/swarms/${SWARM}/nodes/${node}/labels`,
          headers: json,
          body: JSON.stringify({ add: [{ key: 'bench', value: '1' }], reason: 'benchmark' }),
        },
        anyStatus: false,
        note,
      },
    ];
  } else {
    const note =
      'no job-based mutation in schema/*.graphql: cancelJob of a job that does not exist (audited refusal)';
    const id = randomUUID();
    doors = [
      {
        id: 'graphql-cancel-job',
        label: 'cancelJob (refused) GraphQL',
        request: {
          method: 'POST',
          path: '/graphql',
          headers: json,
          body: JSON.stringify({
            query: 'mutation ($input: CancelJobInput!) { cancelJob(input: $input) { id } }',
            variables: { input: { id, reason: 'benchmark' } },
          }),
        },
        anyStatus: true,
        note,
      },
      {
        id: 'rest-cancel-job',
        label: 'cancelJob (refused) REST',
        request: { method: 'POST', path: `/v1/jobs/${id}/cancel`, headers: json, body: '{}' },
        anyStatus: true,
        note,
      },
    ];
  }

  const rows: MutationRow[] = [];
  for (const door of doors) {
    // One answer checked first: accepted (a queued job), or the refusal the fallback measures.
    const answer = await gatewayJson(gateway, door.request);
    const text = JSON.stringify(answer.body);
    if (!door.anyStatus && (answer.status >= 300 || text.includes('"errors"'))) {
      throw new Error(`${door.label}: HTTP ${answer.status} ${text.slice(0, 300)}`);
    }
    ctx.log(`  ${door.label} (answer: HTTP ${answer.status} ${text.slice(0, 80)})`);
    const target = {
      url: gateway.baseUrl,
      connections: 1,
      requests: [door.request],
      anyStatus: door.anyStatus,
    };
    await ctx.load.run({ ...target, amount: QUEUE_ADD_WARMUP });
    const result = await ctx.load.run({ ...target, amount: ctx.settings.mutationRequests });
    if (!door.anyStatus && (result.non2xx > 0 || result.errors > 0)) {
      ctx.notes.push(`${door.label}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    }
    rows.push({ id: door.id, label: door.label, latency: summaryOf(result), note: door.note });
  }
  await stopGateway();
  await engines.stop();

  ctx.log('  raw BullMQ Queue.add()');
  const child = startChild({
    name: 'queue-add',
    cpu: ctx.pinning.serverCpu,
    script: path.join(BENCH_DIR, 'queue-add.ts'),
    args: [
      JSON.stringify({
        redisUrl: ctx.redis.url,
        warmup: QUEUE_ADD_WARMUP,
        count: ctx.settings.mutationRequests,
      }),
    ],
  });
  const stopChild = ctx.cleanup.add('queue-add', () => child.stop());
  const raw = JSON.parse(await child.nextLine(120_000)) as LatencySummary & { rps: number };
  await stopChild();
  rows.push({
    id: 'raw-queue-add',
    label: 'BullMQ Queue.add()',
    latency: raw,
    note: 'sequential, timed in its own process pinned like the gateway, same job options',
  });
  return rows;
}
