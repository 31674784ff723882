// One swarm's state, kept current from its managers' events stream: nodes and services (tasks while clients read
// them). The watcher reconnects with back-off to any reachable manager and resyncs on every (re)connection.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  findNode,
  findService,
  inspectSwarm,
  listNodes,
  listServices,
  listTasksRaw,
  parseTaskList,
} from '../docker/reads.ts';
import type { DockerEventMessage, EventsWatch, SwarmClient } from '../docker/swarm-client.ts';
import type { DockerNode, DockerService, DockerSwarm, DockerTask } from '../docker/types.ts';
import { GatewayError } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { SingleFlight } from './single-flight.ts';
import { SWARM_EVENT_FILTERS } from './swarm-events.ts';

export interface SwarmStateTiming {
  /** Tasks (which have no events) are listed again this often while clients read them. */
  tasksRefreshMs: number;
  /** How often the watched manager must show it still reaches its swarm's leader. */
  checkMs: number;
  /** The Docker call time-out. */
  timeoutMs: number;
}

export interface SwarmStateOptions {
  swarm: SwarmRecord;
  client: SwarmClient;
  timing: SwarmStateTiming;
  log: FastifyBaseLogger;
  /** Every Docker event the watcher receives (replayed ones included). */
  onEvent: (message: DockerEventMessage) => void;
}

/** More changed objects than this at once: one list instead of one inspect each. */
const BULK_REFRESH = 16;
/** A service event usually comes with a burst of them (update, then the tasks' progress): tasks are listed once. */
const TASKS_DEBOUNCE_MS = 200;
/** Tasks nobody read for this long are no longer refreshed (the next read lists them again). */
const TASKS_KEEP_MS = 60_000;
/** Events older than this are not asked for again after a reconnection. */
const REPLAY_WINDOW_S = 300;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5000;

/** What the state holds of one kind, with the version it has: a new version each time the list changes. */
export interface Versioned<T> {
  items: T[];
  version: number;
}

export type StateKind = 'nodes' | 'services' | 'tasks';

/** One connection to one manager: its events stream and what runs while it lasts. */
interface Session {
  /** Numbers the sessions, so that one's calls are never shared with the next one's. */
  seq: number;
  watch: EventsWatch;
  /** Ends the session (the watcher then reconnects, unless stopped). */
  end: (reason: string) => void;
  synced: boolean;
  flushing: boolean;
  timers: Set<NodeJS.Timeout>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

let serials = 0;

export class SwarmState {
  /** Tells this state from the one a restarted watcher keeps for the same swarm (versions start again). */
  readonly serial = ++serials;
  readonly swarm: SwarmRecord;
  readonly client: SwarmClient;
  readonly startedAt = Date.now();

  private readonly timing: SwarmStateTiming;
  private readonly log: FastifyBaseLogger;
  private readonly onEvent: (message: DockerEventMessage) => void;

  private nodes = new Map<string, DockerNode>();
  private services = new Map<string, DockerService>();
  private nodeList: DockerNode[] | null = null;
  private serviceList: DockerService[] | null = null;
  private tasks: { list: DockerTask[]; fetchedAt: number; fingerprint: string; digest: string } | null = null;
  /** Bumped on every change of a kind's list (see versionOf): what answers built from the lists are keyed by. */
  private readonly versions: Record<StateKind, number> = { nodes: 0, services: 0, tasks: 0 };
  /** Writes made through this process whose kind the state has not listed again since: reads ask the managers. */
  private readonly unsettled = { nodes: 0, services: 0 };
  private tasksReadAt = 0;
  private tasksTimer: NodeJS.Timeout | undefined;
  private readonly dirtyNodes = new Set<string>();
  private readonly dirtyServices = new Set<string>();
  private readonly flights = new SingleFlight();

  private session: Session | null = null;
  private sessions = 0;
  /** When a manager last confirmed this state: a resync, a refresh after events, or a liveness check. */
  private confirmedAt: number | null = null;
  /** Docker's time (Unix seconds) of the newest event seen, to replay what a reconnection missed. */
  private lastEventTime: number | undefined;
  /** Managers whose last session failed: tried last at the next connection. */
  private readonly suspects = new Set<string>();
  private received = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private firstAttemptOver = false;
  private settleFirstAttempt!: () => void;
  private readonly firstAttempt = new Promise<void>((resolve) => (this.settleFirstAttempt = resolve));

  constructor(options: SwarmStateOptions) {
    this.swarm = options.swarm;
    this.client = options.client;
    this.timing = options.timing;
    this.log = options.log.child({ swarm: options.swarm.name, swarmId: options.swarm.id });
    this.onEvent = options.onEvent;
  }

  /** Starts the watcher; it runs until stop(). */
  start(): void {
    void this.watchLoop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.session?.end('stopped');
    clearTimeout(this.tasksTimer);
    this.wake?.();
    this.settleFirst();
  }

  /** A manager confirmed the state recently enough and the events stream is open: reads may use it. */
  isCurrent(): boolean {
    if (this.stopped || !this.session?.synced || this.confirmedAt === null) return false;
    return Date.now() - this.confirmedAt <= this.staleAfterMs();
  }

  /** The manager whose events are followed, once resynced with it; null while connecting or down. */
  watchedEndpoint(): string | null {
    return this.session?.synced ? this.session.watch.url : null;
  }

  /** Docker events received since the watcher started. */
  eventsReceived(): number {
    return this.received;
  }

  /** When a manager last confirmed this state; null before the first resync. Old when the watcher is down. */
  observedAt(): Date | null {
    return this.confirmedAt === null ? null : new Date(this.confirmedAt);
  }

  /**
   * Resolves once the watcher's first connection synced or failed (bounded), so that the first reads of a swarm
   * are served by the watcher's resync rather than by calls of their own. Later reconnections are not waited for:
   * reads then go to the managers directly.
   */
  async firstSync(): Promise<void> {
    if (this.firstAttemptOver) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstAttempt,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 2 * this.timing.timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** The nodes as the state holds them, or null when the state is not current (read the managers instead). */
  currentNodes(): Versioned<DockerNode> | null {
    if (!this.isCurrent() || this.unsettled.nodes > 0) return null;
    this.nodeList ??= [...this.nodes.values()];
    return { items: this.nodeList, version: this.versions.nodes };
  }

  currentServices(): Versioned<DockerService> | null {
    if (!this.isCurrent() || this.unsettled.services > 0) return null;
    this.serviceList ??= [...this.services.values()];
    return { items: this.serviceList, version: this.versions.services };
  }

  /**
   * The tasks, refreshed at most `tasksRefreshMs` ago (twice that while a refresh is under way); listed on the watched
   * manager when older or not kept yet (one call however many readers). Null when the state is not current.
   */
  async currentTasks(): Promise<Versioned<DockerTask> | null> {
    const session = this.session;
    if (!session || !this.isCurrent()) return null;
    const kept = this.keptTasks();
    if (kept) return kept;
    try {
      await this.refreshTasks(session);
      return this.tasks ? { items: this.tasks.list, version: this.versions.tasks } : null;
    } catch {
      return null;
    }
  }

  /**
   * The version of a kind's list as a read now would be served it, without reading it; null when such a read would
   * not come from the state as it is (not current, or tasks not kept or due for a list). Counts as a read.
   */
  versionOf(kind: StateKind): number | null {
    if (!this.isCurrent()) return null;
    if (kind === 'tasks') return this.keptTasks()?.version ?? null;
    return this.unsettled[kind] > 0 ? null : this.versions[kind];
  }

  /**
   * A write made through this process changed the swarm's nodes or services: until the state has listed them again
   * (after the write, so the list shows it), reads ask the managers. The change's events may come a moment later
   * than the write's answer; this is what makes a read right after a write show it.
   */
  changedByWrite(kind: 'nodes' | 'services'): void {
    const session = this.session;
    if (!session?.synced) return; // the resync of the next session lists everything anyway
    this.unsettled[kind] += 1;
    const relist = async () => {
      if (kind === 'nodes') {
        const nodes = await listNodes(session.watch);
        if (this.session === session) this.setNodes(nodes);
      } else {
        const services = await listServices(session.watch);
        if (this.session === session) this.setServices(services);
      }
    };
    this.flights
      .runAfter(`write-${kind}:${session.seq}`, relist)
      .catch((error: unknown) => session.end(`listing ${kind} after a write failed: ${messageOf(error)}`))
      .finally(() => {
        this.unsettled[kind] = Math.max(0, this.unsettled[kind] - 1);
      });
  }

  /** The kept tasks when recent enough to serve (a read: it keeps them refreshed). */
  private keptTasks(): Versioned<DockerTask> | null {
    this.tasksReadAt = Date.now();
    if (this.tasks && Date.now() - this.tasks.fetchedAt <= 2 * this.timing.tasksRefreshMs) {
      return { items: this.tasks.list, version: this.versions.tasks };
    }
    return null;
  }

  /** Seconds since a manager last confirmed the state (since the watcher started, before its first resync). */
  stalenessSeconds(): number {
    return (Date.now() - (this.confirmedAt ?? this.startedAt)) / 1000;
  }

  private staleAfterMs(): number {
    // A liveness check starts checkMs after the previous one ended and may take the whole call time-out.
    return this.timing.checkMs + this.timing.timeoutMs + 1000;
  }

  private confirm(): void {
    this.confirmedAt = Date.now();
  }

  private settleFirst(): void {
    this.firstAttemptOver = true;
    this.settleFirstAttempt();
  }

  // ------------------------------------------------------------------ the watcher

  private async watchLoop(): Promise<void> {
    let failures = 0;
    let lastStart = 0;
    while (!this.stopped) {
      let delay = failures === 0 ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
      // A manager that accepts and then drops the stream at once must not be hammered.
      if (Date.now() - lastStart < BACKOFF_FIRST_MS) delay = Math.max(delay, BACKOFF_FIRST_MS);
      if (delay > 0) await this.sleep(delay * (0.8 + Math.random() * 0.4));
      if (this.stopped) break;
      lastStart = Date.now();
      let synced = false;
      try {
        synced = await this.runSession();
      } catch (error) {
        const log = failures === 0 ? this.log.warn.bind(this.log) : this.log.debug.bind(this.log);
        log({ err: error }, 'swarm events watcher cannot connect; retrying with back-off');
      }
      this.settleFirst();
      failures = synced ? 0 : failures + 1;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One connection: open the stream, resync, then follow events until the stream or a check fails. */
  private async runSession(): Promise<boolean> {
    let end!: (reason: string) => void;
    const ended = new Promise<string>((resolve) => (end = resolve));
    const watch = await this.client.openEvents(
      { filters: SWARM_EVENT_FILTERS, since: this.replaySince(), tryLast: [...this.suspects] },
      { onEvent: (message) => this.receive(message), onEnd: (reason) => end(reason) },
    );
    this.sessions += 1;
    const session: Session = {
      seq: this.sessions,
      watch,
      end,
      synced: false,
      flushing: false,
      timers: new Set(),
    };
    this.session = session;
    try {
      if (this.stopped) return false;
      // Opened first, listed second: a change between the two is in the lists or arrives as an event.
      await Promise.race([this.resync(session), ended.then((reason) => Promise.reject(new Error(reason)))]);
      session.synced = true;
      this.suspects.clear();
      this.confirm();
      this.settleFirst();
      this.log.info({ endpoint: watch.url }, 'watching swarm events; nodes and services resynced');
      this.scheduleCheck(session);
      this.scheduleTasksInterval(session);
      void this.flush(session);
      const reason = await ended;
      if (!this.stopped) {
        this.log.warn({ endpoint: watch.url, reason }, 'swarm events watcher lost its manager; reconnecting');
      }
      return true;
    } finally {
      if (!this.stopped) this.suspects.add(watch.url);
      session.synced = false;
      for (const timer of session.timers) clearTimeout(timer);
      if (this.session === session) this.session = null;
      watch.close();
    }
  }

  private replaySince(): number | undefined {
    if (this.lastEventTime === undefined) return undefined;
    return Date.now() / 1000 - this.lastEventTime <= REPLAY_WINDOW_S ? this.lastEventTime : undefined;
  }

  /** Full lists of nodes and services (and tasks, if kept) from the watched manager. */
  private async resync(session: Session): Promise<void> {
    // Events from here on are applied after the lists, whether the lists already show them or not.
    this.dirtyNodes.clear();
    this.dirtyServices.clear();
    const { watch } = session;
    const [inspected, nodes, services] = await Promise.all([
      inspectSwarm(watch),
      listNodes(watch),
      listServices(watch),
      // Kept tasks are listed again too; if that fails they are dropped (the next read lists them).
      this.tasks ? this.refreshTasks(session).catch(() => (this.tasks = null)) : undefined,
    ]);
    this.checkCluster(inspected, watch.url);
    this.setNodes(nodes);
    this.setServices(services);
  }

  /** A whole list of the swarm's nodes replaces what the state held. */
  private setNodes(nodes: DockerNode[]): void {
    this.nodes = new Map(nodes.map((node) => [node.ID, node]));
    this.nodesChanged();
  }

  private setServices(services: DockerService[]): void {
    this.services = new Map(services.map((service) => [service.ID, service]));
    this.servicesChanged();
  }

  private nodesChanged(): void {
    this.nodeList = null;
    this.versions.nodes += 1;
  }

  private servicesChanged(): void {
    this.serviceList = null;
    this.versions.services += 1;
  }

  private checkCluster(inspected: DockerSwarm, url: string): void {
    if (this.swarm.clusterId && inspected.ID !== this.swarm.clusterId) {
      throw new GatewayError(
        'SWARM_UNREACHABLE',
        `manager ${url} answers for another cluster than swarm "${this.swarm.name}" was registered with`,
        { swarm: this.swarm.name, endpoint: url },
      );
    }
  }

  /** Every liveness check asks the watched manager for the cluster, which only its swarm's leader can answer. */
  private scheduleCheck(session: Session): void {
    this.after(session, this.timing.checkMs, () => {
      inspectSwarm(session.watch)
        .then((inspected) => {
          this.checkCluster(inspected, session.watch.url);
          if (this.session !== session) return;
          this.confirm();
          this.scheduleCheck(session);
        })
        .catch((error: unknown) => session.end(`liveness check failed: ${messageOf(error)}`));
    });
  }

  /** Runs `task` after `ms` unless the session ended meanwhile. */
  private after(session: Session, ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      session.timers.delete(timer);
      if (this.session === session) task();
    }, ms);
    timer.unref();
    session.timers.add(timer);
  }

  private receive(message: DockerEventMessage): void {
    this.received += 1;
    if (typeof message.time === 'number')
      this.lastEventTime = Math.max(this.lastEventTime ?? 0, message.time);
    try {
      this.onEvent(message);
    } catch (error) {
      this.log.warn({ err: error }, 'publishing a swarm event failed');
    }
    if (message.Type === 'node') this.dirtyNodes.add(message.Actor.ID);
    if (message.Type === 'service') {
      this.dirtyServices.add(message.Actor.ID);
      this.scheduleTasksRefresh();
    }
    const session = this.session;
    if (session?.synced) void this.flush(session);
  }

  /** Applies the changed nodes and services, until none is left; a failure ends the session (reconnect, resync). */
  private async flush(session: Session): Promise<void> {
    if (session.flushing) return;
    session.flushing = true;
    try {
      while (
        this.session === session &&
        session.synced &&
        (this.dirtyNodes.size || this.dirtyServices.size)
      ) {
        const nodeIds = [...this.dirtyNodes];
        const serviceIds = [...this.dirtyServices];
        this.dirtyNodes.clear();
        this.dirtyServices.clear();
        await Promise.all([this.refreshNodes(session, nodeIds), this.refreshServices(session, serviceIds)]);
        this.confirm();
      }
    } catch (error) {
      session.end(`refreshing after an event failed: ${messageOf(error)}`);
    } finally {
      session.flushing = false;
    }
  }

  private async refreshNodes(session: Session, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const { watch } = session;
    if (ids.length > BULK_REFRESH) {
      this.setNodes(await listNodes(watch));
      return;
    }
    await Promise.all(
      ids.map(async (id) => {
        const node = await findNode(watch, id);
        if (node === null) this.nodes.delete(id);
        else if (isNewer(node, this.nodes.get(id))) this.nodes.set(id, node);
        this.nodesChanged();
      }),
    );
  }

  private async refreshServices(session: Session, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const { watch } = session;
    if (ids.length > BULK_REFRESH) {
      this.setServices(await listServices(watch));
      return;
    }
    await Promise.all(
      ids.map(async (id) => {
        const service = await findService(watch, id);
        if (service === null) this.services.delete(id);
        else if (isNewer(service, this.services.get(id))) this.services.set(id, service);
        this.servicesChanged();
      }),
    );
  }

  // ------------------------------------------------------------------ tasks

  /** One task list at a time, started after the caller asked (a list already under way may predate its change). */
  private refreshTasks(session: Session): Promise<DockerTask[]> {
    return this.flights.runAfter(`tasks:${session.seq}`, async () => {
      const started = Date.now();
      const raw = await listTasksRaw(session.watch);
      // The same bytes as the list kept: nothing to parse (10,000 tasks are tens of megabytes of objects).
      const digest = createHash('sha1').update(raw).digest('base64');
      if (this.tasks?.digest === digest) {
        if (this.tasks.fetchedAt <= started) this.tasks.fetchedAt = started;
        return this.tasks.list;
      }
      const list = parseTaskList(raw);
      if (!this.tasks || this.tasks.fetchedAt <= started) {
        const fingerprint = fingerprintOf(list);
        if (this.tasks?.fingerprint === fingerprint) {
          // Unchanged (the usual case every few seconds): the same list and version, so answers built from it stay.
          this.tasks.fetchedAt = started;
          this.tasks.digest = digest;
        } else {
          this.tasks = { list, fetchedAt: started, fingerprint, digest };
          this.versions.tasks += 1;
        }
      }
      return this.tasks.list;
    });
  }

  /** The bounded interval: kept tasks are listed again, or dropped once nobody reads them. */
  private scheduleTasksInterval(session: Session): void {
    this.after(session, this.timing.tasksRefreshMs, () => {
      if (this.tasks && Date.now() - this.tasksReadAt > TASKS_KEEP_MS) this.tasks = null;
      if (!this.tasks) {
        this.scheduleTasksInterval(session);
        return;
      }
      this.refreshTasks(session).then(
        () => this.scheduleTasksInterval(session),
        (error: unknown) => {
          if (error instanceof GatewayError && error.code === 'SWARM_UNREACHABLE') {
            session.end(`listing tasks failed: ${error.message}`);
            return;
          }
          this.log.warn({ err: error }, 'refreshing the tasks failed');
          this.scheduleTasksInterval(session);
        },
      );
    });
  }

  /** After service events, kept tasks are listed again once the burst is over. */
  private scheduleTasksRefresh(): void {
    if (!this.tasks || this.tasksTimer) return;
    this.tasksTimer = setTimeout(() => {
      this.tasksTimer = undefined;
      const session = this.session;
      if (session?.synced && this.tasks) this.refreshTasks(session).catch(() => undefined);
    }, TASKS_DEBOUNCE_MS);
    this.tasksTimer.unref();
  }
}

/** The object, or null when Docker says it no longer exists. */
/**
 * Identifies a task list's content: every change of a task bumps its Version.Index (raft's index, which only grows),
 * and a task added or removed changes the IDs.
 */
function fingerprintOf(tasks: readonly DockerTask[]): string {
  const content = tasks.map((task) => `${task.ID}@${task.Version.Index}`).join(';');
  return `${tasks.length}:${createHash('sha1').update(content).digest('base64')}`;
}

/** Answers may arrive out of order: an object's version only grows. */
const isNewer = (
  candidate: { Version: { Index: number } },
  current: { Version: { Index: number } } | undefined,
) => !current || candidate.Version.Index >= current.Version.Index;
