// Per-request reads of swarms: tenant-scoped lookups and one memoised read per swarm and kind. With the cache on
// (SWARMGATE_CACHE), nodes, services and tasks come from the event-fed swarm state (src/state/) unless the caller
// asks for a fresh read; otherwise, and for everything else, from a manager.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import {
  hostnameOf,
  inspectSwarm,
  listNodes,
  listServices,
  listTasks,
  managerInfo,
} from '../docker/reads.ts';
import type { DockerInfo, DockerNode, DockerService, DockerSwarm, DockerTask } from '../docker/types.ts';
import { badInput, notFound } from '../errors.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { SwarmClient } from '../docker/swarm-client.ts';
import { stateStoreOf, type ReadOptions, type SwarmStateStore } from '../state/state-store.ts';
import type { StateKind } from '../state/swarm-state.ts';
import type { ReadRecorder } from './answer-cache.ts';

export interface SwarmReadsDeps {
  registry: RegistryRepository;
  swarmClients: SwarmClients;
  /** The swarm state; when left out, the one the swarm-state plugin linked to `swarmClients`, if any. */
  swarmState?: SwarmStateStore | undefined;
  /** Told what the reads were answered from, when the request's answer may be kept (see answer-cache.ts). */
  recorder?: ReadRecorder | null | undefined;
}

export interface SwarmReads {
  principal: Principal;
  clientFor(swarm: SwarmRecord): Promise<SwarmClient>;
  /** Swarms the principal may see; `tenant` narrows a platform-admin's view. */
  listSwarms(tenant?: string | null): Promise<SwarmRecord[]>;
  /** A swarm by id or name; another tenant's swarm is NOT_FOUND, so existence does not leak. */
  getSwarm(ref: string): Promise<SwarmRecord>;
  nodes(swarm: SwarmRecord): Promise<DockerNode[]>;
  services(swarm: SwarmRecord): Promise<DockerService[]>;
  tasks(swarm: SwarmRecord): Promise<DockerTask[]>;
  info(swarm: SwarmRecord): Promise<DockerInfo>;
  inspect(swarm: SwarmRecord): Promise<DockerSwarm>;
  node(swarm: SwarmRecord, ref: string): Promise<DockerNode>;
  service(swarm: SwarmRecord, ref: string): Promise<DockerService>;
  /** The same reads, whose nodes, services and tasks always ask a manager (`fresh: true`), for this request. */
  fresh(): SwarmReads;
  /** These reads, or fresh() ones when `fresh` is true. */
  withFresh(fresh: boolean | null | undefined): SwarmReads;
  /**
   * When a manager last confirmed the swarm's state that reads are served from, as ISO-8601; null with the cache
   * off. `start` (default true) starts watching the swarm, as a read of its nodes would.
   */
  observedAt(swarm: SwarmRecord, options?: { start?: boolean }): Promise<string | null>;
}

/** The tenant whose objects the principal may see; null for a platform-admin, who sees every tenant. */
export const tenantScope = (principal: Principal): string | null =>
  principal.roles.includes('platform-admin') ? null : principal.tenant;

/**
 * Resolves a docker-CLI style reference: exact ID, exact name, then a unique ID prefix.
 * An ambiguous prefix is BAD_INPUT (as the CLI refuses it), an unknown one NOT_FOUND.
 */
export function resolveRef<T>(
  items: readonly T[],
  ref: string,
  idOf: (item: T) => string,
  nameOf: (item: T) => string,
  kind: string,
): T {
  const trimmed = ref.trim();
  if (!trimmed) throw badInput(`a ${kind} reference must not be empty`);
  const exact =
    items.find((item) => idOf(item) === trimmed) ?? items.find((item) => nameOf(item) === trimmed);
  if (exact) return exact;
  const prefixed = items.filter((item) => idOf(item).startsWith(trimmed));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw badInput(`${kind} reference "${trimmed}" is ambiguous: it prefixes ${prefixed.length} ${kind} IDs`);
  }
  throw notFound(kind, trimmed);
}

export function createSwarmReads(deps: SwarmReadsDeps, principal: Principal): SwarmReads {
  const scope = tenantScope(principal);
  // Every read needs at least the viewer role; a token whose roles grant nothing reads nothing.
  const canRead = () => requireRole(principal, 'viewer', 'read swarms');
  const memo = new Map<string, Promise<unknown>>();
  const state = deps.swarmState ?? stateStoreOf(deps.swarmClients);
  const cached = state?.enabled ? state : undefined;
  const recorder = deps.recorder ?? undefined;
  /** A read not served from the swarm state: the answer cannot be kept. */
  const live = (what: string) => recorder?.refuse(what);

  function once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      memo.set(key, pending);
    }
    return pending;
  }

  /** A read from a manager (docker/reads.ts), not from the swarm state. */
  async function fromManager<T>(
    swarm: SwarmRecord,
    operation: string,
    read: (client: SwarmClient) => Promise<T>,
  ): Promise<T> {
    live(operation);
    return read(await deps.swarmClients.clientFor(swarm));
  }

  /** The reads of this request; `fresh` ones bypass the swarm state for nodes, services and tasks. */
  function readsOf(fresh: boolean): SwarmReads {
    // Fresh and cached answers are memoised apart: a request may ask for both.
    const kind = (name: string) => (fresh ? `${name}-fresh` : name);
    /** A read of the swarm state, recording the version served (or that the managers were asked instead). */
    const fromState = async <T>(
      swarm: SwarmRecord,
      list: StateKind,
      read: (options: ReadOptions) => Promise<T[]>,
    ): Promise<T[]> => {
      let served = false;
      const items = await read({
        fresh,
        onServed: (version) => {
          served = true;
          recorder?.list(swarm.id, list, version);
        },
      });
      if (!served) live(`${list} read from the managers`);
      return items;
    };
    const reads: SwarmReads = {
      principal,

      clientFor: (swarm) => {
        live('a call to the managers');
        return deps.swarmClients.clientFor(swarm);
      },

      listSwarms(tenant) {
        canRead();
        const effective = scope === null ? (tenant ?? null) : scope;
        if (scope !== null && tenant && tenant !== scope) return Promise.resolve([]);
        live('the list of swarms');
        return once(`swarms:${effective ?? '*'}`, () => deps.registry.listSwarms(effective));
      },

      getSwarm(ref) {
        canRead();
        return once(`swarm:${ref}`, async () => {
          const swarm = await deps.registry.findSwarm(scope, ref);
          if (!swarm) throw notFound('swarm', ref);
          recorder?.swarm(scope, ref, swarm);
          return swarm;
        });
      },

      nodes(swarm) {
        return once(`${kind('nodes')}:${swarm.id}`, () =>
          cached
            ? fromState(swarm, 'nodes', (options) => cached.nodes(swarm, options))
            : fromManager(swarm, 'node.list', listNodes),
        );
      },

      services(swarm) {
        return once(`${kind('services')}:${swarm.id}`, () =>
          cached
            ? fromState(swarm, 'services', (options) => cached.services(swarm, options))
            : fromManager(swarm, 'service.list', listServices),
        );
      },

      tasks(swarm) {
        return once(`${kind('tasks')}:${swarm.id}`, () =>
          cached
            ? fromState(swarm, 'tasks', (options) => cached.tasks(swarm, options))
            : fromManager(swarm, 'task.list', listTasks),
        );
      },

      info(swarm) {
        return once(`info:${swarm.id}`, () => fromManager(swarm, 'system.info', managerInfo));
      },

      inspect(swarm) {
        return once(`inspect:${swarm.id}`, () => fromManager(swarm, 'swarm.inspect', inspectSwarm));
      },

      async node(swarm, ref) {
        const nodes = await reads.nodes(swarm);
        return resolveRef(
          nodes,
          ref,
          (node) => node.ID,
          (node) => hostnameOf(node, ''),
          'node',
        );
      },

      async service(swarm, ref) {
        const services = await reads.services(swarm);
        return resolveRef(
          services,
          ref,
          (service) => service.ID,
          (service) => service.Spec.Name,
          'service',
        );
      },

      fresh: () => freshReads,

      withFresh: (wanted) => (wanted ? freshReads : cachedReads),

      async observedAt(swarm, options = {}) {
        live('observedAt');
        if (!cached) return null;
        const at = await cached.observedAt(swarm, { start: options.start ?? true });
        return at?.toISOString() ?? null;
      },
    };
    return reads;
  }

  const cachedReads: SwarmReads = readsOf(false);
  const freshReads: SwarmReads = readsOf(true);
  return cachedReads;
}
