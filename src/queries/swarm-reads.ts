// Per-request reads of swarms: tenant-scoped lookups and one memoised upstream call per swarm and kind.
import type Dockerode from 'dockerode';
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { DockerInfo, DockerNode, DockerService, DockerSwarm, DockerTask } from '../docker/types.ts';
import { badInput, notFound } from '../errors.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';

export interface SwarmReadsDeps {
  registry: RegistryRepository;
  swarmClients: SwarmClients;
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

export function createSwarmReads(deps: SwarmReadsDeps, principal: Principal) {
  const scope = tenantScope(principal);
  // Every read needs at least the viewer role; a token whose roles grant nothing reads nothing.
  const canRead = () => requireRole(principal, 'viewer', 'read swarms');
  const memo = new Map<string, Promise<unknown>>();

  function once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      memo.set(key, pending);
    }
    return pending;
  }

  async function call<T>(
    swarm: SwarmRecord,
    operation: string,
    run: (docker: Dockerode) => Promise<unknown>,
  ) {
    const client = await deps.swarmClients.clientFor(swarm);
    // dockerode returns these lists untyped; docker/types.ts describes what Engine API 1.41 sends.
    return (await client.call(operation, run)) as T;
  }

  return {
    principal,

    clientFor: (swarm: SwarmRecord) => deps.swarmClients.clientFor(swarm),

    /** Swarms the principal may see; `tenant` narrows a platform-admin's view. */
    listSwarms(tenant?: string | null): Promise<SwarmRecord[]> {
      canRead();
      const effective = scope === null ? (tenant ?? null) : scope;
      if (scope !== null && tenant && tenant !== scope) return Promise.resolve([]);
      return once(`swarms:${effective ?? '*'}`, () => deps.registry.listSwarms(effective));
    },

    /** A swarm by id or name; another tenant's swarm is NOT_FOUND, so existence does not leak. */
    getSwarm(ref: string): Promise<SwarmRecord> {
      canRead();
      return once(`swarm:${ref}`, async () => {
        const swarm = await deps.registry.findSwarm(scope, ref);
        if (!swarm) throw notFound('swarm', ref);
        return swarm;
      });
    },

    nodes(swarm: SwarmRecord): Promise<DockerNode[]> {
      return once(`nodes:${swarm.id}`, () =>
        call<DockerNode[]>(swarm, 'node.list', (docker) => docker.listNodes()),
      );
    },

    services(swarm: SwarmRecord): Promise<DockerService[]> {
      return once(`services:${swarm.id}`, () =>
        call<DockerService[]>(swarm, 'service.list', (docker) => docker.listServices()),
      );
    },

    tasks(swarm: SwarmRecord): Promise<DockerTask[]> {
      return once(`tasks:${swarm.id}`, () =>
        call<DockerTask[]>(swarm, 'task.list', (docker) => docker.listTasks()),
      );
    },

    info(swarm: SwarmRecord): Promise<DockerInfo> {
      return once(`info:${swarm.id}`, () =>
        call<DockerInfo>(swarm, 'system.info', (docker) => docker.info()),
      );
    },

    inspect(swarm: SwarmRecord): Promise<DockerSwarm> {
      return once(`inspect:${swarm.id}`, () =>
        call<DockerSwarm>(swarm, 'swarm.inspect', (docker) => docker.swarmInspect()),
      );
    },

    async node(swarm: SwarmRecord, ref: string): Promise<DockerNode> {
      const nodes = await this.nodes(swarm);
      return resolveRef(
        nodes,
        ref,
        (node) => node.ID,
        (node) => node.Description?.Hostname ?? '',
        'node',
      );
    },

    async service(swarm: SwarmRecord, ref: string): Promise<DockerService> {
      const services = await this.services(swarm);
      return resolveRef(
        services,
        ref,
        (service) => service.ID,
        (service) => service.Spec.Name,
        'service',
      );
    },
  };
}

export type SwarmReads = ReturnType<typeof createSwarmReads>;
