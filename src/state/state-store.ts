// The per-process collection of swarm states: a watcher per swarm that someone reads (or whose events someone
// watches), started on first use, stopped when idle, unregistered or closed; reads served from it, or single-flight
// calls to the managers when it is not current or the caller asks for a fresh read.
import type { FastifyBaseLogger } from 'fastify';
import { listNodes, listServices, listTasks } from '../docker/reads.ts';
import type { DockerEventMessage, SwarmClient } from '../docker/swarm-client.ts';
import type { DockerNode, DockerService, DockerTask } from '../docker/types.ts';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import { SingleFlight } from './single-flight.ts';
import { SwarmState, type StateKind, type SwarmStateTiming, type Versioned } from './swarm-state.ts';

export interface SwarmStateStoreOptions {
  /** Reads come from the state; off: reads are live and watchers only run for swarmEvents subscribers. */
  enabled: boolean;
  timing: SwarmStateTiming & { idleMs: number };
  swarmClients: SwarmClients;
  registry: RegistryRepository;
  log: FastifyBaseLogger;
  /** Every Docker event a watcher receives. */
  onEvent: (swarm: SwarmRecord, message: DockerEventMessage) => void;
}

export interface ReadOptions {
  /** Ask a manager even when the state is current. */
  fresh?: boolean | null | undefined;
  /**
   * Called when the answer comes from the state, with the version of the list it holds (see currentVersion); not
   * called when the managers were asked.
   */
  onServed?: ((version: string) => void) | undefined;
}

export interface WatcherDescription {
  /** swarmEvents subscriptions on this instance keeping the watcher alive. */
  subscriptions: number;
  /** The manager whose events are followed; null while connecting or when no manager can be watched. */
  endpoint: string | null;
  /** Reads are served from the state. */
  current: boolean;
  observedAt: Date | null;
  eventsReceived: number;
  startedAt: Date;
}

interface Entry {
  /** The registration the watcher was started for (its updatedAt). */
  stamp: number;
  state: SwarmState;
  /** swarmEvents subscriptions keeping it alive. */
  holds: number;
  usedAt: number;
}

/** How often idle watchers are stopped and registrations checked (another instance may have changed them). */
const SWEEP_MS = 15_000;

export class SwarmStateStore {
  readonly enabled: boolean;
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new SingleFlight();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SwarmStateStoreOptions) {
    this.enabled = options.enabled;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  nodes(swarm: SwarmRecord, options: ReadOptions = {}): Promise<DockerNode[]> {
    return this.read(swarm, 'nodes', options, (state) => state.currentNodes(), listNodes);
  }

  services(swarm: SwarmRecord, options: ReadOptions = {}): Promise<DockerService[]> {
    return this.read(swarm, 'services', options, (state) => state.currentServices(), listServices);
  }

  tasks(swarm: SwarmRecord, options: ReadOptions = {}): Promise<DockerTask[]> {
    return this.read(swarm, 'tasks', options, (state) => state.currentTasks(), listTasks);
  }

  /**
   * When a manager last confirmed the swarm's state; null when reads do not come from a state (cache off) or, with
   * `start: false`, when nothing watches the swarm. `start` starts the watcher as a read does.
   */
  async observedAt(swarm: SwarmRecord, { start }: { start: boolean }): Promise<Date | null> {
    if (!this.enabled) return null;
    if (!start) return this.entries.get(swarm.id)?.state.observedAt() ?? null;
    const state = await this.stateOf(swarm);
    await state.firstSync();
    return state.observedAt();
  }

  /** Keeps the swarm watched until the returned function is called (a swarmEvents subscription). */
  async retain(swarm: SwarmRecord): Promise<() => void> {
    await this.stateOf(swarm);
    const entry = this.entries.get(swarm.id);
    if (entry) entry.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.entries.get(swarm.id);
      if (!current) return;
      current.holds = Math.max(0, current.holds - 1);
      current.usedAt = Date.now();
    };
  }

  /** A write through this process changed a watched swarm's nodes or services (see SwarmState.changedByWrite). */
  changedByWrite(swarmName: string, kind: 'nodes' | 'services'): void {
    for (const entry of this.entries.values()) {
      if (entry.state.swarm.name === swarmName) entry.state.changedByWrite(kind);
    }
  }

  /** Stops the swarm's watcher (unregistered or changed); the next read starts a new one. */
  forget(swarmId: string): void {
    const entry = this.entries.get(swarmId);
    if (!entry) return;
    this.entries.delete(swarmId);
    entry.state.stop();
  }

  /** Seconds since each watched swarm's state was last confirmed by a manager, by swarm name (for the metrics). */
  staleness(): { swarm: string; seconds: number }[] {
    return [...this.entries.values()].map((entry) => ({
      swarm: entry.state.swarm.name,
      seconds: entry.state.stalenessSeconds(),
    }));
  }

  /** What the watcher of a swarm does now (for operators and tests); null when the swarm is not watched. */
  describe(swarmId: string): WatcherDescription | null {
    const entry = this.entries.get(swarmId);
    if (!entry) return null;
    const { state } = entry;
    return {
      subscriptions: entry.holds,
      endpoint: state.watchedEndpoint(),
      current: state.isCurrent(),
      observedAt: state.observedAt(),
      eventsReceived: state.eventsReceived(),
      startedAt: new Date(state.startedAt),
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const id of [...this.entries.keys()]) this.forget(id);
  }

  /**
   * The version of a kind's list of a watched swarm, as a read now would be served it from the state; null when such
   * a read would ask the managers (not watched, not current, tasks not kept). Counts as a read of the swarm.
   */
  currentVersion(swarmId: string, kind: StateKind): string | null {
    const entry = this.entries.get(swarmId);
    if (!entry) return null;
    entry.usedAt = Date.now();
    const version = entry.state.versionOf(kind);
    return version === null ? null : versionToken(entry.state, version);
  }

  private async read<T>(
    swarm: SwarmRecord,
    kind: StateKind,
    options: ReadOptions,
    current: (state: SwarmState) => Versioned<T> | null | Promise<Versioned<T> | null>,
    live: (client: SwarmClient) => Promise<T[]>,
  ): Promise<T[]> {
    const key = `${swarm.id}:${kind}`;
    if (options.fresh) {
      const client = await this.options.swarmClients.clientFor(swarm);
      return this.flights.runAfter(key, () => live(client));
    }
    const state = await this.stateOf(swarm);
    await state.firstSync();
    const cached = await current(state);
    if (cached !== null) {
      options.onServed?.(versionToken(state, cached.version));
      return cached.items;
    }
    // Not current (connecting, reconnecting, or no manager answers): nothing stale is served, the managers are asked.
    return this.flights.run(key, () => live(state.client));
  }

  /** The swarm's state, its watcher started on first use and restarted when the registration changed. */
  private async stateOf(swarm: SwarmRecord): Promise<SwarmState> {
    const existing = this.usable(swarm);
    if (existing) return existing;
    const client = await this.options.swarmClients.clientFor(swarm);
    return this.usable(swarm) ?? this.startWatching(swarm, client);
  }

  private usable(swarm: SwarmRecord): SwarmState | null {
    const entry = this.entries.get(swarm.id);
    // A record older than the watcher's (read before an update) may use the newer watcher.
    if (!entry || entry.stamp < swarm.updatedAt.getTime()) return null;
    entry.usedAt = Date.now();
    return entry.state;
  }

  private startWatching(swarm: SwarmRecord, client: SwarmClient): SwarmState {
    const previous = this.entries.get(swarm.id);
    previous?.state.stop();
    const state = new SwarmState({
      swarm,
      client,
      timing: this.options.timing,
      log: this.options.log,
      onEvent: (message) => this.options.onEvent(swarm, message),
    });
    this.entries.set(swarm.id, {
      stamp: swarm.updatedAt.getTime(),
      state,
      holds: previous?.holds ?? 0,
      usedAt: Date.now(),
    });
    if (!this.closed) state.start();
    return state;
  }

  /**
   * Stops idle watchers, and those of swarms unregistered or changed (possibly through another instance); runs every
   * 15 s by itself.
   */
  async sweep(): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.holds === 0 && now - entry.usedAt > this.options.timing.idleMs) this.forget(id);
    }
    await Promise.all(
      [...this.entries].map(async ([id, entry]) => {
        const record = await this.options.registry.findSwarmNow(null, id).catch(() => undefined);
        if (record === undefined || this.entries.get(id) !== entry) return; // database away, or replaced meanwhile
        if (record === null) {
          this.forget(id);
        } else if (record.updatedAt.getTime() !== entry.stamp) {
          if (entry.holds === 0) this.forget(id);
          else {
            const client = await this.options.swarmClients.clientFor(record).catch(() => undefined);
            if (client && this.entries.get(id) === entry) this.startWatching(record, client);
          }
        }
      }),
    ).catch((error: unknown) => this.options.log.warn({ err: error }, 'checking watched swarms failed'));
  }
}

const versionToken = (state: SwarmState, version: number) => `${state.serial}.${version}`;

const stores = new WeakMap<SwarmClients, SwarmStateStore>();

/**
 * Links the store to the app's swarm clients, so that swarm reads built from `{ registry, swarmClients }` (both
 * doors and the operations build them so) find it without a new dependency; see createSwarmReads.
 */
export function attachStateStore(swarmClients: SwarmClients, store: SwarmStateStore): void {
  stores.set(swarmClients, store);
}

export function stateStoreOf(swarmClients: SwarmClients): SwarmStateStore | undefined {
  return stores.get(swarmClients);
}
