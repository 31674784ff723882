// The gateway under test: built once (tsc into var/bench/build), started as its own pinned process on a fresh
// PostgreSQL database with the real JWT checks, its Docker calls read from its Prometheus metrics.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createSigner } from 'fast-jwt';
import pg from 'pg';
import {
  freePort,
  residentMemory,
  ROOT_DIR,
  startChild,
  VAR_DIR,
  waitForHttp,
  type Child,
} from './processes.ts';

export const ADMIN_DATABASE_URL =
  process.env.SWARMGATE_BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;
const SECRET_KEY = randomBytes(32).toString('hex');
const BUILD_DIR = path.join(VAR_DIR, 'build');

export interface GatewayBuild {
  /** The file node runs: the compiled server, or src/server.ts through tsx when the build produced none. */
  entry: string;
  runtime: 'dist' | 'tsx';
  note: string;
}

/**
 * Compiles src/ with tsconfig.build.json into var/bench/build/dist (never the shared dist/), with package.json,
 * migrations/ and schema/ linked beside it where the compiled code looks for them.
 */
export function buildGateway(): GatewayBuild {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const dir of ['migrations', 'schema', 'package.json'])
    symlinkSync(path.join(ROOT_DIR, dir), path.join(BUILD_DIR, dir));
  const tsc = path.join(ROOT_DIR, 'node_modules/typescript/bin/tsc');
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(BUILD_DIR, 'dist')],
    { cwd: ROOT_DIR, encoding: 'utf8' },
  );
  const entry = path.join(BUILD_DIR, 'dist/server.js');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!existsSync(entry)) {
    return {
      entry: path.join(ROOT_DIR, 'src/server.ts'),
      runtime: 'tsx',
      note: `tsc produced no server.js (${result.stdout.split('\n')[0] ?? ''}): running src/server.ts with tsx`,
    };
  }
  const errors = result.stdout.split('\n').filter((line) => line.includes('error TS')).length;
  return {
    entry,
    runtime: 'dist',
    note:
      result.status === 0
        ? `compiled with tsc in ${seconds} s (var/bench/build/dist)`
        : `compiled with tsc in ${seconds} s, which reported ${errors} type error(s) in the working tree`,
  };
}

export interface Database {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Databases created and not yet dropped: the last line of cleanup drops them all. */
const liveDatabases = new Set<Database>();

export async function dropAllDatabases(): Promise<void> {
  for (const database of [...liveDatabases]) await database.drop();
}

/** A database on the machine's PostgreSQL that only this gateway uses; the gateway migrates it. */
export async function createDatabase(tag: string): Promise<Database> {
  const name = `swarmgate_bench_${tag}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`the benchmark needs PostgreSQL at ${ADMIN_DATABASE_URL}: ${String(error)}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const database: Database = {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        liveDatabases.delete(database);
      } finally {
        await client.end();
      }
    },
  };
  liveDatabases.add(database);
  return database;
}

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3600_000 });

/** A bearer token the gateways of this run accept. */
export const tokenFor = (tenant: string, role: string) =>
  sign({ sub: `bench-${role}`, tenant, roles: [role] });

/** The gateways' platform tenant (SWARMGATE_PLATFORM_TENANT's default). */
export const PLATFORM_TENANT = 'platform';
/**
 * A platform-admin's token: only the platform may register engines over unix sockets (the simulated engines), in
 * any tenant (registerSwarm's `tenant`).
 */
export const platformToken = () =>
  sign({ sub: 'bench-platform', tenant: PLATFORM_TENANT, roles: ['admin', 'platform-admin'] });

export interface GatewayOptions {
  name: string;
  cpu: number | null;
  build: GatewayBuild;
  redisUrl: string;
  /** More environment (SWARMGATE_WORKER, SWARMGATE_QUICK_JOB_WAIT_MS...). */
  env?: Record<string, string>;
}

export interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export class Gateway {
  private constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly child: Child,
    private readonly database: Database,
  ) {}

  static async start(options: GatewayOptions): Promise<Gateway> {
    const database = await createDatabase(options.name.replaceAll(/[^a-z0-9]/g, ''));
    const port = await freePort();
    const child = startChild({
      name: options.name,
      cpu: options.cpu,
      script: options.build.entry,
      // SWARMGATE_BENCH_PROFILE=1: each gateway writes a CPU profile (open it in Chrome DevTools) when it stops.
      // SWARMGATE_BENCH_NODE_ARGS='--trace-gc ...': more Node options for each gateway (experiments).
      nodeArgs: [
        ...(process.env.SWARMGATE_BENCH_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${path.join(VAR_DIR, 'profiles')}`]
          : []),
        ...(process.env.SWARMGATE_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      ],
      env: {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: database.url,
        REDIS_URL: options.redisUrl,
        SWARMGATE_JWT_SECRET: JWT_SECRET,
        SWARMGATE_SECRET_KEY: SECRET_KEY,
        SWARMGATE_METRICS_TOKEN: METRICS_TOKEN,
        SWARMGATE_CACHE: 'on',
        // Rate limiting stays on (its cost is part of every read measured) with budgets no run comes near: one
        // viewer token reads at thousands of requests a second, and the mutation phase sends hundreds of mutations.
        SWARMGATE_RATE_LIMIT: 'on',
        SWARMGATE_RATE_LIMIT_REQUESTS: '100000000',
        SWARMGATE_RATE_LIMIT_MUTATIONS: '100000000',
        SWARMGATE_RATE_LIMIT_ANONYMOUS: '100000000',
        ...options.env,
      },
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${baseUrl}/readyz`, child, 60_000);
    } catch (error) {
      await child.stop();
      await database.drop().catch(() => undefined);
      throw error;
    }
    return new Gateway(options.name, baseUrl, child, database);
  }

  get pid(): number {
    return this.child.pid;
  }

  memory(): { rss: number; peak: number } | null {
    return residentMemory(this.child.pid);
  }

  async graphql<T>(token: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlAnswer<T>;
  }

  /**
   * Registers a swarm by its manager endpoints in the token's tenant (or in `tenant`, with a platform-admin's
   * token); fails with the gateway's message.
   */
  async registerSwarm(
    token: string,
    name: string,
    endpoints: { url: string; tls?: unknown }[],
    tenant?: string,
  ) {
    const answer = await this.graphql<{ registerSwarm: { swarm: { id: string; clusterId: string } } }>(
      token,
      'mutation ($input: RegisterSwarmInput!) { registerSwarm(input: $input) { swarm { id clusterId } } }',
      { input: { name, endpoints, ...(tenant === undefined ? {} : { tenant }) } },
    );
    if (!answer.data?.registerSwarm) {
      throw new Error(`registering ${name} through ${this.name}: ${JSON.stringify(answer.errors)}`);
    }
    return answer.data.registerSwarm.swarm;
  }

  /** Docker Engine API calls the gateway made so far (swarmgate_docker_calls_total), for `swarms` or all. */
  async dockerCalls(swarms?: ReadonlySet<string>): Promise<number> {
    const response = await fetch(`${this.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    if (!response.ok) throw new Error(`${this.name}: GET /metrics answered ${response.status}`);
    let total = 0;
    for (const line of (await response.text()).split('\n')) {
      if (!line.startsWith('swarmgate_docker_calls_total{')) continue;
      const swarm = /swarm="([^"]*)"/.exec(line)?.[1] ?? '';
      if (swarms && !swarms.has(swarm)) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  /** Stops the process (SIGTERM, its graceful close) and drops its database. */
  async stop(): Promise<void> {
    await this.child.stop(15_000);
    await this.database.drop();
  }
}
