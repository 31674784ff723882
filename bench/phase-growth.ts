// Comparison d, growth: the gateway in front of simulated engines (bench/fake-engine.ts) of 10, 100 and 1,000 nodes
// (up to 10,000 tasks), then 1, 10 and 50 swarms of 100 nodes: node and task list latency and resident memory.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { gatewayJson, type Context } from './context.ts';
import type { FakeSwarmSpec } from './fake-data.ts';
import { Gateway, platformToken, tokenFor } from './gateway.ts';
import type { LoadResult } from './load.ts';
import { BENCH_DIR, startChild, VAR_DIR } from './processes.ts';
import { itemsOf, restNodes, restTasks } from './queries.ts';
import type { GrowthRow } from './types.ts';

export interface Scenario {
  id: string;
  swarms: number;
  nodes: number;
  tasks: number;
}

export const FULL_SCENARIOS: Scenario[] = [
  { id: '1x10', swarms: 1, nodes: 10, tasks: 100 },
  { id: '1x100', swarms: 1, nodes: 100, tasks: 1000 },
  { id: '1x1000', swarms: 1, nodes: 1000, tasks: 10000 },
  { id: '10x100', swarms: 10, nodes: 100, tasks: 1000 },
  { id: '50x100', swarms: 50, nodes: 100, tasks: 1000 },
];

/** For trying the harness quickly (--quick): the same shapes, smaller. */
export const QUICK_SCENARIOS: Scenario[] = [
  { id: '1x10', swarms: 1, nodes: 10, tasks: 100 },
  { id: '1x1000', swarms: 1, nodes: 1000, tasks: 10000 },
  { id: '5x100', swarms: 5, nodes: 100, tasks: 1000 },
];

export interface FakeSwarmInfo {
  name: string;
  socket: string;
  clusterId: string;
  nodes: number;
  services: number;
  tasks: number;
  hostnames: string[];
}

/** Starts one simulated-engine process serving `specs` (pinned with the load generator: it is the far side). */
export async function startFakeEngines(ctx: Context, tag: string, specs: FakeSwarmSpec[]) {
  const child = startChild({
    name: `fake-engine-${tag}`,
    cpu: ctx.pinning.loadCpu,
    script: path.join(BENCH_DIR, 'fake-engine.ts'),
    args: [JSON.stringify({ swarms: specs })],
  });
  const stop = ctx.cleanup.add(`fake-engine-${tag}`, () => child.stop());
  const ready = JSON.parse(await child.nextLine(120_000)) as { swarms: FakeSwarmInfo[] };
  return { swarms: ready.swarms, stop };
}

export const fakeSocket = (tag: string, index: number) =>
  path.join(VAR_DIR, 'engines', `${tag}-${index}.sock`);

async function runScenario(ctx: Context, scenario: Scenario): Promise<GrowthRow> {
  const label = `${scenario.swarms} swarm(s) x ${scenario.nodes} nodes, ${scenario.tasks} tasks each`;
  ctx.log(`  ${label}`);
  const specs: FakeSwarmSpec[] = Array.from({ length: scenario.swarms }, (_, index) => ({
    name: `sim-${scenario.id}-${index}`,
    socket: fakeSocket(scenario.id, index),
    nodes: scenario.nodes,
    tasks: scenario.tasks,
  }));
  const engines = await startFakeEngines(ctx, scenario.id, specs);
  const gateway = await Gateway.start({
    name: `gateway-growth-${scenario.id}`,
    cpu: ctx.pinning.serverCpu,
    build: ctx.build,
    redisUrl: ctx.redis.url,
  });
  const stopGateway = ctx.cleanup.add(`gateway-growth-${scenario.id}`, () => gateway.stop());
  const idle = gateway.memory();

  const tenant = `bench-${randomBytes(3).toString('hex')}`;
  const viewer = tokenFor(tenant, 'viewer');
  const started = performance.now();
  for (const swarm of engines.swarms) {
    await gateway.registerSwarm(platformToken(), swarm.name, [{ url: `unix://${swarm.socket}` }], tenant);
  }
  const registerSeconds = (performance.now() - started) / 1000;

  const headers = { authorization: `Bearer ${viewer}` };
  const nodesRequests = engines.swarms.map((swarm) => ({
    method: 'GET',
    path: restNodes(swarm.name),
    headers,
  }));
  const tasksRequests = engines.swarms.map((swarm) => ({
    method: 'GET',
    path: restTasks(swarm.name),
    headers,
  }));
  // Every swarm read once and checked: the whole node list, and a full page of tasks.
  for (const [requests, kind, expected] of [
    [nodesRequests, 'nodes', scenario.nodes],
    [tasksRequests, 'tasks', Math.min(scenario.tasks, 1000)],
  ] as const) {
    for (const request of requests) {
      const answer = await gatewayJson(gateway, request);
      const items = answer.status === 200 ? itemsOf(kind, 'REST', answer.body) : -1;
      if (items !== expected) {
        throw new Error(`${request.path}: HTTP ${answer.status}, ${items} items, expected ${expected}`);
      }
    }
  }
  const registered = gateway.memory();

  let dockerCalls = 0;
  const measure = async (requests: typeof nodesRequests, connections: number, seconds: number) => {
    const target = { url: gateway.baseUrl, connections, requests };
    await ctx.load.run({ ...target, duration: ctx.settings.warmupSeconds });
    const before = await gateway.dockerCalls();
    const result = await ctx.load.run({ ...target, duration: seconds });
    dockerCalls += (await gateway.dockerCalls()) - before;
    return result;
  };
  const nodes = await measure(nodesRequests, ctx.settings.growthConnections, ctx.settings.durationSeconds);
  const tasks = await measure(tasksRequests, ctx.settings.growthConnections, ctx.settings.durationSeconds);
  const loadedCalls = dockerCalls;
  const alone = Math.max(2, Math.round(ctx.settings.durationSeconds / 2));
  const nodesAlone = await measure(nodesRequests, 1, alone);
  const tasksAlone = await measure(tasksRequests, 1, alone);
  const loaded = gateway.memory();
  for (const [name, result] of [
    ['node list', nodes],
    ['task list', tasks],
  ] as [string, LoadResult][]) {
    if (result.non2xx > 0 || result.errors > 0) {
      ctx.notes.push(`growth ${scenario.id} ${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
  }
  await stopGateway();
  await engines.stop();
  const served = nodes.count + tasks.count;
  return {
    scenario: scenario.id,
    swarms: scenario.swarms,
    nodesPerSwarm: scenario.nodes,
    tasksPerSwarm: scenario.tasks,
    servicesPerSwarm: engines.swarms[0]?.services ?? 0,
    connections: ctx.settings.growthConnections,
    registerSeconds,
    memory: { idle, registered, loaded },
    nodes,
    tasks,
    nodesAlone,
    tasksAlone,
    dockerCallsPer1000: served > 0 ? (loadedCalls / served) * 1000 : null,
  };
}

export async function runGrowthPhase(ctx: Context, scenarios: Scenario[]): Promise<GrowthRow[]> {
  ctx.log('d. growth on simulated engines');
  const rows: GrowthRow[] = [];
  for (const scenario of scenarios) rows.push(await runScenario(ctx, scenario));
  return rows;
}
