// A simulated Docker Engine API (1.41) for the benchmark ONLY — never for feature tests, which run against the
// lab's real engines. It answers just what the gateway reads: /_ping, /version, /info, /swarm, nodes, services and
// tasks (lists with the usual filters, and inspect), and a quiet /events stream. One unix socket per swarm.
//
// Run as a process: `node --import tsx bench/fake-engine.ts '<json {"swarms": FakeSwarmSpec[]}>'`; it prints one
// JSON line `{"ready": true, "swarms": [...]}` once every socket listens, and closes them all on SIGTERM.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateSwarm, type FakeSwarmData, type FakeSwarmSpec } from './fake-data.ts';

const API_VERSION = '1.41';
const VERSION_PREFIX = /^\/v\d+\.\d+(?=\/)/;

type DockerObject = Record<string, unknown>;
type Filters = Map<string, string[]>;

export interface FakeEngine {
  spec: FakeSwarmSpec;
  data: FakeSwarmData;
  close(): Promise<void>;
}

/** Paths the gateway asked for that this engine does not implement (so a run can say so). */
const unimplemented = new Set<string>();

export async function startFakeEngine(spec: FakeSwarmSpec): Promise<FakeEngine> {
  const data = generateSwarm(spec);
  // The unfiltered lists are what the gateway reads most: serialised once.
  const whole = {
    nodes: Buffer.from(JSON.stringify(data.nodes)),
    services: Buffer.from(JSON.stringify(data.services)),
    tasks: Buffer.from(JSON.stringify(data.tasks)),
  };
  const streams = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    try {
      answer(request, response);
    } catch (error) {
      sendJson(response, 500, { message: error instanceof Error ? error.message : String(error) });
    }
  });
  server.keepAliveTimeout = 60_000;

  function answer(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://engine');
    const path = url.pathname.replace(VERSION_PREFIX, '');
    const method = request.method ?? 'GET';
    if (path === '/_ping' && (method === 'GET' || method === 'HEAD')) {
      response.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'api-version': API_VERSION,
        'docker-experimental': 'false',
        swarm: 'active/manager',
      });
      response.end(method === 'HEAD' ? undefined : 'OK');
      return;
    }
    if (method !== 'GET') return notImplemented(method, path, response);
    const filters = parseFilters(url.searchParams.get('filters'));
    const [, kind, id] = path.split('/');
    switch (kind) {
      case 'version':
        return sendJson(response, 200, {
          Version: '20.10.24+dfsg1',
          ApiVersion: API_VERSION,
          MinAPIVersion: '1.12',
          Os: 'linux',
          Arch: 'amd64',
        });
      case 'info':
        return sendJson(response, 200, data.info);
      case 'swarm':
        return id === undefined
          ? sendJson(response, 200, data.swarm)
          : notImplemented(method, path, response);
      case 'nodes':
        return listOrInspect(response, data.nodes, whole.nodes, id, filters, matchNode, 'node');
      case 'services':
        return listOrInspect(response, data.services, whole.services, id, filters, matchService, 'service');
      case 'tasks':
        return listOrInspect(response, data.tasks, whole.tasks, id, filters, matchTask, 'task');
      case 'events':
        return events(url, response);
      default:
        return notImplemented(method, path, response);
    }
  }

  function listOrInspect(
    response: ServerResponse,
    items: DockerObject[],
    serialised: Buffer,
    id: string | undefined,
    filters: Filters,
    matches: (item: DockerObject, key: string, values: string[]) => boolean,
    kind: string,
  ): void {
    if (id !== undefined) {
      const found = findByRef(items, decodeURIComponent(id));
      if (found) return sendJson(response, 200, found);
      return sendJson(response, 404, { message: `${kind} ${id} not found` });
    }
    if (filters.size === 0) return sendBody(response, 200, serialised);
    const selected = items.filter((item) =>
      [...filters].every(([key, values]) => values.length === 0 || matches(item, key, values)),
    );
    sendJson(response, 200, selected);
  }

  const matchNode = (node: DockerObject, key: string, values: string[]) => {
    const spec = node.Spec as { Role: string; Availability: string };
    const hostname = (node.Description as { Hostname: string }).Hostname;
    if (key === 'id') return values.some((value) => (node.ID as string).startsWith(value));
    if (key === 'name') return values.some((value) => hostname.startsWith(value));
    if (key === 'role') return values.includes(spec.Role);
    if (key === 'membership') return values.includes('accepted');
    if (key === 'node.label') return true;
    return true;
  };

  const matchService = (service: DockerObject, key: string, values: string[]) => {
    const name = (service.Spec as { Name: string }).Name;
    if (key === 'id') return values.some((value) => (service.ID as string).startsWith(value));
    if (key === 'name') return values.some((value) => name.startsWith(value));
    if (key === 'mode') return values.includes('replicated');
    return true;
  };

  const serviceIds = (values: string[]) =>
    new Set(values.map((value) => findByRef(data.services, value)?.ID as string | undefined));
  const nodeIds = (values: string[]) =>
    new Set(values.map((value) => findByRef(data.nodes, value)?.ID as string | undefined));

  const matchTask = (task: DockerObject, key: string, values: string[]) => {
    if (key === 'id') return values.some((value) => (task.ID as string).startsWith(value));
    if (key === 'service') return serviceIds(values).has(task.ServiceID as string);
    if (key === 'node') return nodeIds(values).has(task.NodeID as string);
    if (key === 'desired-state') return values.includes(task.DesiredState as string);
    return true;
  };

  /** A quiet event stream: headers at once, then nothing until the client goes away. */
  function events(url: URL, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'application/json', 'api-version': API_VERSION });
    // Past events only (`until` given): Docker ends the stream; we have none to replay.
    if (url.searchParams.has('until')) {
      response.end();
      return;
    }
    response.flushHeaders();
    streams.add(response);
    response.on('close', () => streams.delete(response));
  }

  mkdirSync(dirname(spec.socket), { recursive: true });
  rmSync(spec.socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.socket, resolve);
  });

  return {
    spec,
    data,
    async close() {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(spec.socket, { force: true });
    },
  };
}

/** By exact ID, exact name (hostname for nodes), then unique ID prefix, as Docker resolves references. */
function findByRef(items: DockerObject[], ref: string): DockerObject | undefined {
  const nameOf = (item: DockerObject) =>
    (item.Description as { Hostname?: string } | undefined)?.Hostname ??
    (item.Spec as { Name?: string } | undefined)?.Name;
  const exact = items.find((item) => item.ID === ref) ?? items.find((item) => nameOf(item) === ref);
  if (exact) return exact;
  const prefixed = items.filter((item) => (item.ID as string).startsWith(ref));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Docker's `filters` parameter: `{"key": ["v"]}` or the older `{"key": {"v": true}}`. */
function parseFilters(raw: string | null): Filters {
  const filters: Filters = new Map();
  if (!raw) return filters;
  const parsed = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  for (const [key, value] of Object.entries(parsed)) {
    filters.set(key, Array.isArray(value) ? value : Object.keys(value).filter((entry) => value[entry]));
  }
  return filters;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendBody(response, status, Buffer.from(JSON.stringify(body)));
}

function sendBody(response: ServerResponse, status: number, body: Buffer): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': body.length,
    'api-version': API_VERSION,
  });
  response.end(body);
}

function notImplemented(method: string, path: string, response: ServerResponse): void {
  const key = `${method} ${path}`;
  if (!unimplemented.has(key)) {
    unimplemented.add(key);
    process.stderr.write(`fake engine: not implemented: ${key}\n`);
  }
  sendJson(response, 404, { message: 'page not found' });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as { swarms?: FakeSwarmSpec[] };
  const engines: FakeEngine[] = [];
  for (const spec of config.swarms ?? []) engines.push(await startFakeEngine(spec));
  const stop = () => {
    void Promise.all(engines.map((engine) => engine.close())).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent going away (its end of stdin closes) stops the engines too.
  process.stdin.on('end', stop).resume();
  const swarms = engines.map(({ spec, data }) => ({
    name: spec.name,
    socket: spec.socket,
    clusterId: data.clusterId,
    nodes: data.nodes.length,
    services: data.services.length,
    tasks: data.tasks.length,
    hostnames: data.nodes.slice(0, 3).map((node) => (node.Description as { Hostname: string }).Hostname),
  }));
  process.stdout.write(`${JSON.stringify({ ready: true, swarms })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`fake engine failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
