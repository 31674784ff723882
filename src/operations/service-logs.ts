// serviceLogs: opens a service's logs (`docker service logs`) for the REST stream and the GraphQL subscription.
// Not a job: it changes nothing and lives as long as its client reads, so it runs in the request, through the audited
// pipeline all the same (action `service.logs`: requested, then succeeded once the engine accepted the stream, or
// refused/failed), because logs may carry secrets. The role is configurable (SWARMGATE_LOGS_ROLE, operator by
// default). Each line is attributed to its task (slot) and node (hostname) through the swarm reads; lines, bytes,
// idle time and duration are bounded by caps a request may only lower.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import type { Config } from '../config.ts';
import { findSwarmFor } from '../domain/swarm-registration.ts';
import { openServiceLogs, serviceLogMessages, type EngineLogMessage } from '../docker/service-logs.ts';
import { badInput } from '../errors.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { withTimeout } from '../util/timeout.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';

export type LogsSettings = Config['logs'];

export interface ServiceLogsInput {
  swarm: string;
  /** ID, unique ID prefix or name. */
  service: string;
  /** Keep the stream open for new lines (the subscription always follows). */
  follow?: boolean | null | undefined;
  /** Lines per task from the end (Docker's semantics), or 'all' (the default). */
  tail?: number | string | null | undefined;
  /** RFC 3339 time, Unix seconds, or a duration back from now (`10m`, `1h30m`). */
  since?: string | null | undefined;
  /** Show each line's time (text format); NDJSON and GraphQL always carry `time`. */
  timestamps?: boolean | null | undefined;
  stdout?: boolean | null | undefined;
  stderr?: boolean | null | undefined;
  /** Bounds of this request: each may only lower the configured cap. */
  lines?: number | null | undefined;
  bytes?: number | null | undefined;
  idleSeconds?: number | null | undefined;
  maxSeconds?: number | null | undefined;
}

/** One line of a task's log, attributed. */
export interface ServiceLogLine {
  /** Docker's timestamp of the line (RFC 3339, nanoseconds), null if Docker sent none. */
  time: string | null;
  stream: 'stdout' | 'stderr';
  line: string;
  taskId: string | null;
  /** The task's slot (replicated services); null for a global service's task or a task no longer listed. */
  taskSlot: number | null;
  nodeId: string | null;
  nodeHostname: string | null;
  serviceId: string;
}

/** Why a stream ended before the engine ended it. */
export type ServiceLogBound = 'lines' | 'bytes' | 'idle' | 'duration' | 'engine';

/** The last item of a stream a bound (or a broken engine stream) ended: which, and a sentence for people. */
export interface ServiceLogEnd {
  bound: ServiceLogBound;
  message: string;
}

export type ServiceLogItem = { kind: 'line'; line: ServiceLogLine } | { kind: 'end'; end: ServiceLogEnd };

/** The options as checked and capped. */
export interface ResolvedLogOptions {
  follow: boolean;
  tail: number | 'all';
  /** Unix seconds with a fraction (Docker's form), or undefined. */
  since: string | undefined;
  timestamps: boolean;
  stdout: boolean;
  stderr: boolean;
  lines: number;
  bytes: number;
  idleSeconds: number;
  maxSeconds: number;
}

export interface ServiceLogStream {
  service: { id: string; name: string };
  options: ResolvedLogOptions;
  /** ServiceLogItem objects; read it at the client's pace (the engine is paused meanwhile). */
  items: Readable;
  /** Ends the stream at once and closes its connection to the engine (also what destroying `items` does). */
  close: () => void;
}

/** A lookup of unknown tasks and nodes waits at most this long (a line is not held up for the swarm reads). */
const ATTRIBUTION_WAIT_MS = 1000;
/** Tasks and nodes are listed again for an unknown task at most this often. */
const ATTRIBUTION_REFRESH_MS = 2000;

export async function serviceLogs(
  deps: OperationDeps,
  ctx: OperationContext,
  input: ServiceLogsInput,
  settings: LogsSettings,
): Promise<ServiceLogStream> {
  let swarm: SwarmRecord;
  return runOperation(deps, ctx, {
    action: 'service.logs',
    parameters: auditedParameters(input),
    locate: async () => {
      swarm = await findSwarmFor(deps, ctx.principal, input.swarm);
      return {
        tenant: swarm.tenant,
        target: { swarmId: swarm.id, swarmName: swarm.name, serviceName: input.service },
      };
    },
    execute: async ({ addTarget }) => {
      requireRole(ctx.principal, settings.role, 'read service logs');
      const options = resolveLogOptions(input, settings);
      const reads = createSwarmReads(deps, ctx.principal);
      const service = await reads.service(swarm, input.service);
      addTarget({ serviceId: service.ID, serviceName: service.Spec.Name });
      const attribution = createAttribution(() => createSwarmReads(deps, ctx.principal), swarm);
      await attribution.refresh();
      const client = await deps.swarmClients.clientFor(swarm);
      const engine = await openServiceLogs(client, service.ID, {
        follow: options.follow,
        stdout: options.stdout,
        stderr: options.stderr,
        tail: options.tail,
        since: options.since,
      });
      const tty = service.Spec.TaskTemplate.ContainerSpec?.TTY === true;
      return shapeStream(deps, engine.body, { id: service.ID, name: service.Spec.Name }, options, {
        tty,
        attribution,
      });
    },
    summarize: (stream) => ({ result: { serviceId: stream.service.id, follow: stream.options.follow } }),
  });
}

/** What the audit records of the request: its options, nothing else. */
function auditedParameters(input: ServiceLogsInput): Record<string, unknown> {
  const { swarm, service, ...options } = input;
  const defined = Object.entries(options).filter(([, value]) => value !== undefined && value !== null);
  return { swarm, service, ...Object.fromEntries(defined) };
}

// ------------------------------------------------------------------ options

/** The request's options, checked (BAD_INPUT naming the field) and capped by the settings. */
export function resolveLogOptions(
  input: ServiceLogsInput,
  settings: LogsSettings,
  now: Date = new Date(),
): ResolvedLogOptions {
  const stdout = input.stdout ?? true;
  const stderr = input.stderr ?? true;
  if (!stdout && !stderr) throw badInput('stdout and stderr are both false: ask for at least one of them');
  return {
    follow: input.follow ?? false,
    tail: parseTail(input.tail),
    since: input.since === undefined || input.since === null ? undefined : parseSince(input.since, now),
    timestamps: input.timestamps ?? false,
    stdout,
    stderr,
    lines: capped('lines', input.lines, settings.maxLines),
    bytes: capped('bytes', input.bytes, settings.maxBytes),
    idleSeconds: capped('idleSeconds', input.idleSeconds, settings.idleSeconds),
    maxSeconds: capped('maxSeconds', input.maxSeconds, settings.maxSeconds),
  };
}

/** A bound of the request: a positive integer, lowered to the cap when over it (a request may only lower a cap). */
function capped(field: string, value: number | null | undefined, cap: number): number {
  if (value === undefined || value === null) return cap;
  if (!Number.isInteger(value) || value < 1) throw badInput(`${field} must be a positive integer`);
  return Math.min(value, cap);
}

const MAX_TAIL = 10_000_000;

function parseTail(tail: number | string | null | undefined): number | 'all' {
  if (tail === undefined || tail === null || tail === 'all') return 'all';
  const value = typeof tail === 'number' ? tail : /^\d{1,9}$/.test(tail) ? Number(tail) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > MAX_TAIL)
    throw badInput(`tail must be "all" or a whole number of lines from 0 to ${MAX_TAIL}`);
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const UNIX_SECONDS = /^\d{1,12}(\.\d{1,9})?$/;
const DURATION = /^(?:(\d{1,6})h)?(?:(\d{1,8})m)?(?:(\d{1,10}(?:\.\d{1,3})?)s)?$/;

/** `since` as Docker takes it (Unix seconds with a fraction): from RFC 3339, Unix seconds or a duration back. */
export function parseSince(since: string, now: Date = new Date()): string {
  const text = since.trim();
  if (UNIX_SECONDS.test(text)) return text;
  if (RFC3339.test(text)) {
    const millis = Date.parse(text);
    if (!Number.isNaN(millis)) {
      // Nanoseconds as written are kept: Docker compares with them.
      const fraction = /\.(\d{1,9})/.exec(text)?.[1]?.padEnd(9, '0') ?? '000000000';
      return `${Math.floor(millis / 1000)}.${fraction}`;
    }
  }
  const duration = DURATION.exec(text);
  if (text !== '' && duration && (duration[1] || duration[2] || duration[3])) {
    const seconds =
      Number(duration[1] ?? 0) * 3600 + Number(duration[2] ?? 0) * 60 + Number(duration[3] ?? 0);
    return ((now.getTime() - seconds * 1000) / 1000).toFixed(3);
  }
  throw badInput(
    'since must be an RFC 3339 time (2024-05-01T12:00:00Z), Unix seconds (1714564800) or a duration back from now ' +
      '(90s, 10m, 1h30m)',
  );
}

// ------------------------------------------------------------------ attribution

interface Attribution {
  /** Lists tasks and nodes again (bounded in time; a failure keeps what was known). */
  refresh(): Promise<void>;
  /** The task's slot and the node's hostname; an unknown task lists tasks and nodes again, at most so often. */
  of(taskId: string | null, nodeId: string | null): Promise<{ slot: number | null; hostname: string | null }>;
}

function createAttribution(
  readsOf: () => ReturnType<typeof createSwarmReads>,
  swarm: SwarmRecord,
): Attribution {
  const slots = new Map<string, number | null>();
  const hostnames = new Map<string, string>();
  let refreshedAt = 0;
  const load = async () => {
    // New reads each time: a request's reads are memoised.
    const reads = readsOf();
    const [tasks, nodes] = await Promise.all([reads.tasks(swarm), reads.nodes(swarm)]);
    for (const task of tasks) slots.set(task.ID, task.Slot ?? null);
    for (const node of nodes)
      if (node.Description?.Hostname) hostnames.set(node.ID, node.Description.Hostname);
  };
  const attribution: Attribution = {
    async refresh() {
      refreshedAt = Date.now();
      await withTimeout(load(), ATTRIBUTION_WAIT_MS, 'the swarm reads of log attribution').catch(
        () => undefined,
      );
    },
    async of(taskId, nodeId) {
      const unknown = (taskId !== null && !slots.has(taskId)) || (nodeId !== null && !hostnames.has(nodeId));
      if (unknown && Date.now() - refreshedAt >= ATTRIBUTION_REFRESH_MS) await attribution.refresh();
      return {
        slot: taskId === null ? null : (slots.get(taskId) ?? null),
        hostname: nodeId === null ? null : (hostnames.get(nodeId) ?? null),
      };
    },
  };
  return attribution;
}

// ------------------------------------------------------------------ the stream

/**
 * engine bytes → messages → attributed, bounded items. The items' readable side pauses the engine when it is full.
 * A bound ends it with a last `end` item and destroys the engine's response (its connection closes); so does
 * destroying the items (the client went away).
 */
function shapeStream(
  deps: OperationDeps,
  body: Readable,
  service: { id: string; name: string },
  options: ResolvedLogOptions,
  { tty, attribution }: { tty: boolean; attribution: Attribution },
): ServiceLogStream {
  const messages = serviceLogMessages({ tty });
  let lines = 0;
  let bytes = 0;
  let ended = false;
  let idleTimer: NodeJS.Timeout | undefined;
  let engineErrors = 0;
  const durationTimer = setTimeout(
    () =>
      finish({
        bound: 'duration',
        message: `the stream was open ${options.maxSeconds} s (maxSeconds=${options.maxSeconds}): it ended`,
      }),
    options.maxSeconds * 1000,
  );

  const stopEngine = () => {
    clearTimeout(idleTimer);
    clearTimeout(durationTimer);
    body.unpipe(messages);
    messages.unpipe(items);
    body.destroy();
    messages.destroy();
  };
  /** Ends the items with `end` as the last one (none when the engine ended the stream itself). */
  const finish = (end?: ServiceLogEnd) => {
    if (ended) return;
    ended = true;
    stopEngine();
    if (end) items.push({ kind: 'end', end } satisfies ServiceLogItem);
    items.push(null);
  };
  // Only a follow waits for lines; a stream without follow ends when the engine has sent what it holds.
  const armIdle = () => {
    if (!options.follow) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () =>
        finish({
          bound: 'idle',
          message: `no line for ${options.idleSeconds} s (idleSeconds=${options.idleSeconds}): the stream ended`,
        }),
      options.idleSeconds * 1000,
    );
  };

  const items = new Transform({
    writableObjectMode: true,
    readableObjectMode: true,
    transform(message: EngineLogMessage, _encoding: BufferEncoding, done: TransformCallback) {
      if (ended) return done();
      armIdle();
      if (message.kind === 'engine-error') {
        // Docker's words are not passed on (engine bytes); that it happened is worth a log line.
        engineErrors += 1;
        if (engineErrors === 1)
          deps.log.warn({ serviceId: service.id }, 'the engine could not read the logs of some task');
        return done();
      }
      attribution.of(message.taskId, message.nodeId).then(({ slot, hostname }) => {
        if (ended) return done();
        const size = Buffer.byteLength(message.line);
        if (bytes + size > options.bytes) {
          finish({
            bound: 'bytes',
            message: `the next line would pass ${options.bytes} bytes (bytes=${options.bytes}): the stream ended`,
          });
          return done();
        }
        bytes += size;
        lines += 1;
        const line: ServiceLogLine = {
          time: message.time,
          stream: message.stream,
          line: message.line,
          taskId: message.taskId,
          taskSlot: slot,
          nodeId: message.nodeId,
          nodeHostname: hostname,
          serviceId: message.serviceId ?? service.id,
        };
        this.push({ kind: 'line', line } satisfies ServiceLogItem);
        if (lines >= options.lines) {
          finish({
            bound: 'lines',
            message: `${options.lines} lines sent (lines=${options.lines}): the stream ended`,
          });
        }
        done();
      }, done);
    },
    flush(done: TransformCallback) {
      clearTimeout(idleTimer);
      clearTimeout(durationTimer);
      ended = true;
      done();
    },
  });

  const broken = () =>
    finish({ bound: 'engine', message: 'the engine ended the log stream unexpectedly: ask again' });
  body.on('error', broken);
  body.on('aborted', broken);
  messages.on('error', () =>
    finish({ bound: 'engine', message: 'the engine sent a log stream that could not be read' }),
  );
  // The client went away (or the consumer destroyed the items): the engine's connection closes at once.
  items.on('close', () => {
    ended = true;
    stopEngine();
  });
  armIdle();
  body.pipe(messages).pipe(items);

  return {
    service,
    options,
    items,
    close: () => {
      items.destroy();
    },
  };
}
