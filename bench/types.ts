// The shape of var/bench/results.json: every measurement of one run, and the targets evaluated on them.
import type { LoadResult } from './load.ts';
import type { LatencySummary } from './stats.ts';

export interface Settings {
  /** Seconds each read is measured in all, split into `rounds` runs taken in turn with the other reads. */
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  connections: number;
  /** Connections of the growth runs (latency as the size grows). */
  growthConnections: number;
  mutationRequests: number;
}

export interface ReadRow {
  id: string;
  /** What the bars and the table call it. */
  label: string;
  list: 'nodes' | 'services' | 'tasks' | 'hello';
  door: 'REST' | 'GraphQL' | 'Docker API' | 'fastify' | 'mercurius';
  request: string;
  /** Items in one answer (checked before the run), null for the hello-worlds. */
  items: number | null;
  /** The median round (rate and latencies); errors count over every round. */
  load: LoadResult;
  /** The rate of each round, in the order they ran. */
  roundsRps: number[];
  /** Docker Engine API calls the gateway made during the measured run, and per 1,000 answers. */
  dockerCalls: number | null;
  dockerCallsPer1000: number | null;
}

export interface MemorySample {
  rss: number;
  peak: number;
}

export interface GrowthRow {
  scenario: string;
  swarms: number;
  nodesPerSwarm: number;
  tasksPerSwarm: number;
  servicesPerSwarm: number;
  /** Concurrent connections of the `nodes` and `tasks` runs. */
  connections: number;
  registerSeconds: number;
  memory: { idle: MemorySample | null; registered: MemorySample | null; loaded: MemorySample | null };
  /** Under `growthConnections` concurrent connections. */
  nodes: LoadResult;
  tasks: LoadResult;
  /** One connection: the answer time without queueing. */
  nodesAlone: LoadResult;
  tasksAlone: LoadResult;
  dockerCallsPer1000: number | null;
}

export interface MutationRow {
  id: string;
  label: string;
  latency: LatencySummary & { rps: number };
  note: string;
}

/** The same hostile document again and again, or a new one every request. */
export type ProtectionVariant = 'repeated' | 'unique';

/** One hostile GraphQL document of the protection scenario (issue 11), sent alone. */
export interface ProtectionRow {
  id: 'depth-bomb' | 'alias-bomb';
  variant: ProtectionVariant;
  label: string;
  /** Bytes of one request body. */
  bytes: number;
  /** The first answer's HTTP status and GraphQL code (the refusal, or not). */
  status: number;
  code: string | null;
  /** Sent alone (one connection, every answer timed); null when it was not refused. */
  alone: LoadResult | null;
}

/** Both documents sent by many connections at once. */
export interface ProtectionFlood {
  variant: ProtectionVariant;
  connections: number;
  seconds: number;
  load: LoadResult;
  /** GET /healthz one at a time meanwhile. */
  health: LatencySummary & { failures: number };
  rssBefore: number | null;
  /** The highest VmRSS sampled (every 100 ms) during the flood. */
  rssHighest: number | null;
  rssAfter: number | null;
}

export interface ProtectionResult {
  rows: ProtectionRow[];
  /** Empty when one of the documents was not refused. */
  floods: ProtectionFlood[];
}

export interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  /** null: not measured in this run (its phase was skipped or failed). */
  holds: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Load averages (1 min) when the run started and ended: other work on the machine shows here. */
  machine: { cpus: number; node: string; pinning: string; loadAverage: { start: number; end: number } };
  gateway: { runtime: string; build: string; cache: string };
  settings: Settings;
  reads: ReadRow[];
  growth: GrowthRow[];
  mutations: MutationRow[];
  protection: ProtectionResult | null;
  targets: TargetRow[];
  notes: string[];
}
