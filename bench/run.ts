// `npm run bench`: one run on this machine of every comparison of issue 6 (a-e), side by side; prints the table,
// writes var/bench/results.json and var/bench/results.svg, and stops everything it started.
//
// Options: --quick (short runs, smaller growth: for trying the harness), --only=lab,ceiling,protection,growth,mutation,
// --duration=S (per read, over all its rounds), --rounds=N (the reads measured in turn, N times), --warmup=S,
// --connections=N, --growth-connections=N, --mutations=N.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from './chart.ts';
import { Cleanup, type Context } from './context.ts';
import { buildGateway, dropAllDatabases } from './gateway.ts';
import { LoadGenerator } from './load-generator.ts';
import { runCeilingPhase, startCeilingServers } from './phase-ceiling.ts';
import { FULL_SCENARIOS, QUICK_SCENARIOS, runGrowthPhase } from './phase-growth.ts';
import { runLabPhase } from './phase-lab.ts';
import { runMutationPhase } from './phase-mutation.ts';
import { runProtectionPhase } from './phase-protection.ts';
import { detectPinning, ROOT_DIR, stopAllChildren, stopLeftovers, VAR_DIR } from './processes.ts';
import { claimRedisDatabase } from './redis-db.ts';
import { evaluateTargets, renderReport } from './report.ts';
import type { BenchResults, GrowthRow, MutationRow, ProtectionResult, ReadRow, Settings } from './types.ts';

const PHASES = ['lab', 'ceiling', 'protection', 'growth', 'mutation'] as const;
type Phase = (typeof PHASES)[number];

function readOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'growth-connections': { type: 'string' },
      mutations: { type: 'string' },
    },
  });
  const number = (value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`not a positive number: ${value}`);
    return parsed;
  };
  const settings: Settings = {
    durationSeconds: number(values.duration, values.quick ? 2 : 8),
    // Short rounds, many of them: on a machine whose speed swings from second to second, the median of the rounds'
    // ratios holds still where one long run of each read does not.
    rounds: Math.round(number(values.rounds, values.quick ? 1 : 8)),
    warmupSeconds: number(values.warmup, 1),
    connections: number(values.connections, 20),
    growthConnections: number(values['growth-connections'], 10),
    mutationRequests: number(values.mutations, values.quick ? 200 : 500),
  };
  const onlyScenarios = process.env.SWARMGATE_BENCH_SCENARIOS?.split(',');
  const only = values.only?.split(',').map((phase) => phase.trim()) ?? [...PHASES];
  for (const phase of only) {
    if (!PHASES.includes(phase as Phase))
      throw new Error(`--only: unknown phase ${phase} (${PHASES.join(', ')})`);
  }
  return {
    settings,
    phases: new Set(only as Phase[]),
    // SWARMGATE_BENCH_SCENARIOS=1x1000 (ids, comma-separated): only those growth scenarios.
    scenarios: (values.quick ? QUICK_SCENARIOS : FULL_SCENARIOS).filter(
      (scenario) => !onlyScenarios || onlyScenarios.includes(scenario.id),
    ),
  };
}

/** Whether the event-fed cache is in this tree: the gateway then honours SWARMGATE_CACHE=on. */
function cacheStatus(): string {
  const config = readFileSync(path.join(ROOT_DIR, 'src/config.ts'), 'utf8');
  const state = existsSync(path.join(ROOT_DIR, 'src/state'));
  if (config.includes('SWARMGATE_CACHE') && state)
    return 'cache: in this tree, gateways run with SWARMGATE_CACHE=on';
  if (config.includes('SWARMGATE_CACHE'))
    return 'cache: SWARMGATE_CACHE is read (no src/state/); run with it on';
  return (
    'cache: NOT in this tree (src/config.ts does not read SWARMGATE_CACHE): SWARMGATE_CACHE=on is set but ' +
    'ignored, so every gateway read goes to Docker'
  );
}

async function main(): Promise<number> {
  const started = new Date();
  const loadAtStart = loadavg()[0]!;
  const { settings, phases, scenarios } = readOptions();
  const log = (message: string) =>
    process.stderr.write(
      `[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
    );
  const cleanup = new Cleanup();
  const interrupted = (signal: string) => {
    log(`${signal}: stopping what the benchmark started`);
    void cleanup.runAll(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupted('SIGINT'));
  process.once('SIGTERM', () => interrupted('SIGTERM'));

  mkdirSync(VAR_DIR, { recursive: true });
  const notes: string[] = [];
  for (const leftover of stopLeftovers()) notes.push(`stopped a process an earlier run left: ${leftover}`);
  const pinning = detectPinning();
  log(pinning.note);
  log('building the gateway (tsc -p tsconfig.build.json into var/bench/build)');
  const build = buildGateway();
  log(build.note);
  const cache = cacheStatus();
  log(cache);

  const reads: ReadRow[] = [];
  let growth: GrowthRow[] = [];
  let mutations: MutationRow[] = [];
  let protection: ProtectionResult | null = null;
  let failed = false;
  try {
    const redis = await claimRedisDatabase();
    // Run last to first: whatever a phase left (a gateway still starting, its database) goes before Redis is
    // cleaned, so nothing writes there afterwards.
    cleanup.add(`Redis database ${redis.index}`, () => redis.release());
    cleanup.add('databases left', () => dropAllDatabases());
    cleanup.add('processes left', () => stopAllChildren());
    log(`Redis database ${redis.index} (empty, claimed for this run)`);
    const load = await LoadGenerator.start(pinning.loadCpu);
    cleanup.add('load generator', () => load.stop());
    const ctx: Context = { settings, pinning, build, redis, load, cleanup, notes, log };

    const attempt = async <T>(phase: Phase, run: () => Promise<T>): Promise<T | undefined> => {
      if (!phases.has(phase)) return undefined;
      try {
        return await run();
      } catch (error) {
        failed = true;
        const message = error instanceof Error ? error.message : String(error);
        log(`phase ${phase} FAILED: ${message}`);
        notes.push(`phase ${phase} failed: ${message.split('\n')[0]}`);
        return undefined;
      }
    };
    // With the lab phase, the ceiling's servers are measured in turn with the lab's reads (side by side).
    const ceilingServers =
      phases.has('lab') && phases.has('ceiling')
        ? await attempt('ceiling', () => startCeilingServers(ctx))
        : undefined;
    const lab = await attempt('lab', () => runLabPhase(ctx, ceilingServers?.specs ?? []));
    await ceilingServers?.stop();
    if (lab) {
      reads.push(...lab.reads);
      notes.push(
        `lab gateway RSS after its reads: ${lab.memory ? Math.round(lab.memory.rss / 2 ** 20) : '?'} MB; ` +
          `alpha held ${lab.totalTasks ?? '?'} tasks with the pending-tasks service`,
      );
    }
    const ceiling =
      lab && ceilingServers ? lab.alongside : ((await attempt('ceiling', () => runCeilingPhase(ctx))) ?? []);
    reads.push(...ceiling);
    const [get, post] = ['fastify-hello', 'fastify-hello-post'].map((id) =>
      ceiling.find((row) => row.id === id),
    );
    if (get && post && get.load.rps > 0) {
      notes.push(
        `a bare fastify answers a POST with the GraphQL node document as its body at ` +
          `${(post.load.rps / get.load.rps).toFixed(2)}x its GET rate: what reading a request body costs by itself`,
      );
    }
    protection = (await attempt('protection', () => runProtectionPhase(ctx))) ?? null;
    growth = (await attempt('growth', () => runGrowthPhase(ctx, scenarios))) ?? [];
    mutations = (await attempt('mutation', () => runMutationPhase(ctx))) ?? [];
  } finally {
    log('stopping everything the benchmark started');
    await cleanup.runAll(log);
  }

  if (pinning.serverCpu !== null) {
    notes.push(
      'pinned: gateway and hello-worlds on CPU 0, load generator and simulated engines on CPU 1; PostgreSQL, ' +
        "Redis and the lab's dockerd engines are not pinned",
    );
  }
  const finished = new Date();
  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    machine: {
      cpus: availableParallelism(),
      node: process.versions.node,
      pinning: pinning.note,
      loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    },
    gateway: { runtime: build.runtime === 'dist' ? 'compiled dist' : 'tsx', build: build.note, cache },
    settings,
    reads,
    growth,
    mutations,
    protection,
    targets: evaluateTargets(reads, growth, protection),
    notes,
  };
  writeFileSync(path.join(VAR_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(VAR_DIR, 'results.svg'), renderChart(results));
  process.stdout.write(`\n${renderReport(results)}`);
  process.stdout.write(`written: var/bench/results.json, var/bench/results.svg\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
