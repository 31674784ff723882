// Tenants and registered swarms in PostgreSQL; engine credentials are sealed before they are stored.
import type pg from 'pg';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { conflict } from '../errors.ts';
import type { Sealer } from '../util/seal.ts';

export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

/** A swarm's policy as stored (the rules that use it: src/domain/swarm-policy.ts). */
export interface StoredSwarmPolicy {
  bindMountPaths: string[];
  capabilities: string[];
  allowPrivileges: boolean;
}

/** The stored policy read defensively: anything odd in the jsonb allows nothing. */
function storedPolicyOf(value: unknown): StoredSwarmPolicy {
  const record = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const strings = (list: unknown) =>
    Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
  return {
    bindMountPaths: strings(record.bindMountPaths),
    capabilities: strings(record.capabilities),
    allowPrivileges: record.allowPrivileges === true,
  };
}

export interface SwarmRecord {
  id: string;
  tenantId: string;
  tenant: string;
  name: string;
  clusterId: string | null;
  /**
   * Node IDs of the cluster's managers as its registered endpoints reported them when registered or updated; null for
   * a swarm registered before they were recorded. What a worker's engine must name to prove it belongs.
   */
  managerNodeIds?: string[] | null | undefined;
  labels: Record<string, string>;
  /**
   * What its services may do beyond the defaults (bind mounts, capabilities, privileges); setSwarmPolicy sets it.
   * Always read from the database; left out only by records built in tests (policyOf: nothing allowed).
   */
  policy?: StoredSwarmPolicy | undefined;
  /** Endpoint URLs in failover order; credentials stay sealed until endpointsOf() opens them. */
  endpointUrls: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface SwarmRow {
  id: string;
  tenant_id: string;
  tenant: string;
  name: string;
  cluster_id: string | null;
  manager_node_ids: string[] | null;
  labels: Record<string, string>;
  policy: unknown;
  endpoint_urls: string[] | null;
  created_at: Date;
  updated_at: Date;
}

const SWARM_SELECT = `
  SELECT s.id, s.tenant_id, t.slug AS tenant, s.name, s.cluster_id, s.manager_node_ids, s.labels, s.policy, s.created_at, s.updated_at,
         (SELECT array_agg(e.url ORDER BY e.position) FROM swarm_endpoints e WHERE e.swarm_id = s.id) AS endpoint_urls
    FROM swarms s JOIN tenants t ON t.id = s.tenant_id`;

const LOOKUP_TTL_MS = 1000;
const MAX_RECENT = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toSwarm(row: SwarmRow): SwarmRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    tenant: row.tenant,
    name: row.name,
    clusterId: row.cluster_id,
    managerNodeIds: row.manager_node_ids,
    labels: row.labels,
    policy: storedPolicyOf(row.policy),
    endpointUrls: row.endpoint_urls ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The one answer to a cluster (or a manager of it) registered already, in this tenant or another: it names nothing of
 * that registration and reads the same wherever it is, so it does not tell a tenant that another one holds a cluster.
 */
export const CLUSTER_TAKEN =
  'these endpoints cannot be registered: their swarm cluster, or one of its managers, is already registered with ' +
  'this gateway. A cluster is registered once: update the existing registration (updateSwarm) instead, or have it ' +
  'unregistered first';

/** Unique violations become CONFLICT with a message naming what already exists. */
function mapUniqueViolation(error: unknown, name: string): never {
  const pgError = error as { code?: string; constraint?: string };
  if (pgError.code === '23505') {
    if (pgError.constraint === 'swarms_cluster_id_key') throw conflict(CLUSTER_TAKEN);
    if (pgError.constraint === 'swarms_tenant_id_name_key') {
      throw conflict(`a swarm named "${name}" is already registered in this tenant`);
    }
    throw conflict(
      `swarm "${name}" conflicts with an existing registration (${pgError.constraint ?? 'unique'})`,
    );
  }
  throw error;
}

export interface NewSwarm {
  tenantId: string;
  name: string;
  clusterId: string;
  /** What the endpoints reported (verifyManagers); left out only by tests that insert rows directly. */
  managerNodeIds?: string[] | undefined;
  labels: Record<string, string>;
  endpoints: EngineEndpoint[];
}

export interface SwarmChanges {
  name?: string | undefined;
  labels?: Record<string, string> | undefined;
  endpoints?: EngineEndpoint[] | undefined;
  /** The managers the new endpoints reported (given with endpoints). */
  managerNodeIds?: string[] | undefined;
}

/** A registered swarm an engine's cluster belongs to, whatever its tenant: for refusals that name nothing of it. */
export interface ClusterOwner {
  swarmId: string;
  tenantId: string;
}

/** Serializes the checks of cluster and manager uniqueness with the writes they guard. */
const REGISTRATION_LOCK_KEY = 734_221_018;

/** True when PostgreSQL could not be reached or went away, as opposed to refusing a statement. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code))
    return true;
  // 08xxx connection exceptions, 57P01-03 shutdown / cannot connect now.
  if (/^08/.test(code) || /^57P0[123]$/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(
    typeof e?.message === 'string' ? e.message : '',
  );
}

export function createRegistryRepository(pool: pg.Pool, sealer: Sealer) {
  /**
   * The last answer of each registry read, served while PostgreSQL is unreachable so that reads of swarms keep
   * working through a database outage (writes fail, and the audit refuses changes: AUDIT_UNAVAILABLE).
   */
  const lastKnown = new Map<string, unknown>();
  async function remembered<T>(key: string, load: () => Promise<T>): Promise<T> {
    try {
      const value = await load();
      if (value === null) lastKnown.delete(key);
      else lastKnown.set(key, value);
      return value;
    } catch (error) {
      if (isDatabaseUnavailable(error) && lastKnown.has(key)) return lastKnown.get(key) as T;
      throw error;
    }
  }
  /** Lookups answered from memory for a moment (see findSwarm). */
  const recent = new Map<
    string,
    { until: number; value: Promise<SwarmRecord | null>; settled?: { record: SwarmRecord | null } }
  >();
  const forgetRemembered = () => {
    lastKnown.clear();
    recent.clear();
  };

  const sealContext = (swarmId: string, url: string) => `swarm-endpoint:${swarmId}:${url}`;

  async function writeEndpoints(client: pg.PoolClient, swarmId: string, endpoints: EngineEndpoint[]) {
    await client.query('DELETE FROM swarm_endpoints WHERE swarm_id = $1', [swarmId]);
    for (const [position, endpoint] of endpoints.entries()) {
      const credentials = endpoint.tls
        ? sealer.seal(JSON.stringify(endpoint.tls), sealContext(swarmId, endpoint.url))
        : null;
      await client.query(
        'INSERT INTO swarm_endpoints (swarm_id, position, url, credentials, address, platform_granted) ' +
          'VALUES ($1, $2, $3, $4, $5, $6)',
        [
          swarmId,
          position,
          endpoint.url,
          credentials,
          endpoint.address ?? null,
          endpoint.platformGranted === true,
        ],
      );
    }
  }

  /** CONFLICT when another registration holds the cluster or one of these managers (inside the transaction). */
  async function assertClusterFree(
    client: pg.PoolClient,
    swarmId: string | null,
    clusterId: string | null,
    managerNodeIds: readonly string[],
  ): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [REGISTRATION_LOCK_KEY]);
    const taken = await client.query(
      `SELECT 1 FROM swarms
        WHERE ($1::uuid IS NULL OR id <> $1::uuid) AND (cluster_id = $2 OR manager_node_ids && $3::text[])
        LIMIT 1`,
      [swarmId, clusterId, [...managerNodeIds]],
    );
    if (taken.rowCount) throw conflict(CLUSTER_TAKEN);
  }

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    async ensureTenant(slug: string, name = slug): Promise<TenantRecord> {
      const result = await pool.query<{ id: string; slug: string; name: string; created_at: Date }>(
        `INSERT INTO tenants (slug, name) VALUES ($1, $2)
           ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
         RETURNING id, slug, name, created_at`,
        [slug, name],
      );
      const row = result.rows[0]!;
      return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
    },

    async listTenants(): Promise<TenantRecord[]> {
      const result = await pool.query<{ id: string; slug: string; name: string; created_at: Date }>(
        'SELECT id, slug, name, created_at FROM tenants ORDER BY slug',
      );
      return result.rows.map((row) => ({
        id: row.id,
        slug: row.slug,
        name: row.name,
        createdAt: row.created_at,
      }));
    },

    /** Swarms of one tenant, or of every tenant when `tenant` is null (platform-admin). */
    listSwarms(tenant: string | null): Promise<SwarmRecord[]> {
      return remembered(`list:${tenant ?? '*'}`, async () => {
        const result =
          tenant === null
            ? await pool.query<SwarmRow>(`${SWARM_SELECT} ORDER BY t.slug, s.name`)
            : await pool.query<SwarmRow>(`${SWARM_SELECT} WHERE t.slug = $1 ORDER BY s.name`, [tenant]);
        return result.rows.map(toSwarm);
      });
    },

    /** A swarm by id or name within `tenant` (null: any tenant; a name must then be unique). */
    /**
     * A swarm by id or name, answered from memory for up to a second: every read resolves its swarm, and a
     * database round trip per read would cost more than the read itself. Writes through this process clear it.
     */
    findSwarm(tenant: string | null, ref: string): Promise<SwarmRecord | null> {
      const key = `find:${tenant ?? '*'}:${ref}`;
      const fresh = recent.get(key);
      if (fresh && fresh.until > Date.now()) return fresh.value;
      const value = remembered(key, () => this.findSwarmNow(tenant, ref));
      const entry: { until: number; value: typeof value; settled?: { record: SwarmRecord | null } } = {
        until: Date.now() + LOOKUP_TTL_MS,
        value,
      };
      recent.set(key, entry);
      value.then(
        (record) => (entry.settled = { record }),
        () => recent.delete(key),
      );
      if (recent.size > MAX_RECENT) recent.delete(recent.keys().next().value!);
      return value;
    },

    /**
     * What findSwarm would answer from memory right now, without waiting: the record (or null: no such swarm), or
     * undefined when the lookup would have to ask the database.
     */
    peekSwarm(tenant: string | null, ref: string): SwarmRecord | null | undefined {
      const entry = recent.get(`find:${tenant ?? '*'}:${ref}`);
      return entry && entry.until > Date.now() ? entry.settled?.record : undefined;
    },

    async findSwarmNow(tenant: string | null, ref: string): Promise<SwarmRecord | null> {
      const byId = UUID.test(ref);
      const conditions = [byId ? 's.id = $1' : 's.name = $1'];
      const params: string[] = [ref];
      if (tenant !== null) {
        conditions.push('t.slug = $2');
        params.push(tenant);
      }
      const result = await pool.query<SwarmRow>(`${SWARM_SELECT} WHERE ${conditions.join(' AND ')}`, params);
      return result.rows.length === 1 ? toSwarm(result.rows[0]!) : null;
    },

    /** The swarm's endpoints with their credentials opened, in failover order. */
    endpointsOf(swarmId: string): Promise<EngineEndpoint[]> {
      return remembered(`endpoints:${swarmId}`, async () => {
        const result = await pool.query<{
          url: string;
          credentials: Buffer | null;
          address: string | null;
          platform_granted: boolean;
        }>(
          'SELECT url, credentials, address, platform_granted FROM swarm_endpoints WHERE swarm_id = $1 ORDER BY position',
          [swarmId],
        );
        return result.rows.map((row) => ({
          url: row.url,
          ...(row.address ? { address: row.address } : {}),
          ...(row.platform_granted ? { platformGranted: true } : {}),
          tls: row.credentials
            ? (JSON.parse(
                sealer.open(row.credentials, sealContext(swarmId, row.url)),
              ) as EngineEndpoint['tls'])
            : undefined,
        }));
      });
    },

    async insertSwarm(swarm: NewSwarm): Promise<SwarmRecord> {
      const id = await inTransaction(async (client) => {
        await assertClusterFree(client, null, swarm.clusterId, swarm.managerNodeIds ?? []);
        const inserted = await client
          .query<{ id: string }>(
            `INSERT INTO swarms (tenant_id, name, cluster_id, manager_node_ids, labels)
             VALUES ($1, $2, $3, $4, $5) RETURNING id`,
            [swarm.tenantId, swarm.name, swarm.clusterId, swarm.managerNodeIds ?? null, swarm.labels],
          )
          .catch((error: unknown) => mapUniqueViolation(error, swarm.name));
        const swarmId = inserted.rows[0]!.id;
        await writeEndpoints(client, swarmId, swarm.endpoints);
        return swarmId;
      });
      forgetRemembered();
      return (await this.findSwarmNow(null, id))!;
    },

    async updateSwarm(id: string, changes: SwarmChanges): Promise<SwarmRecord> {
      await inTransaction(async (client) => {
        if (changes.managerNodeIds) await assertClusterFree(client, id, null, changes.managerNodeIds);
        await client
          .query(
            `UPDATE swarms SET name = COALESCE($2, name), labels = COALESCE($3, labels),
                    manager_node_ids = COALESCE($4, manager_node_ids), updated_at = now()
              WHERE id = $1`,
            [id, changes.name ?? null, changes.labels ?? null, changes.managerNodeIds ?? null],
          )
          .catch((error: unknown) => mapUniqueViolation(error, changes.name ?? ''));
        if (changes.endpoints) await writeEndpoints(client, id, changes.endpoints);
      });
      forgetRemembered();
      return (await this.findSwarmNow(null, id))!;
    },

    /** Replaces the swarm's policy (setSwarmPolicy); the registration's updatedAt stays, its clients are not renewed. */
    async setSwarmPolicy(id: string, policy: StoredSwarmPolicy): Promise<SwarmRecord> {
      await pool.query('UPDATE swarms SET policy = $2 WHERE id = $1', [id, JSON.stringify(policy)]);
      forgetRemembered();
      return (await this.findSwarmNow(null, id))!;
    },

    /**
     * The registered swarm (of any tenant) whose cluster id is `clusterId`, or whose recorded managers include one of
     * `managerNodeIds`: the cluster an engine says it is in. For refusals only, which must name nothing of it.
     */
    async findClusterOwner(
      clusterId: string | null,
      managerNodeIds: readonly string[],
    ): Promise<ClusterOwner | null> {
      if (!clusterId && managerNodeIds.length === 0) return null;
      const result = await pool.query<{ id: string; tenant_id: string }>(
        `SELECT id, tenant_id FROM swarms WHERE cluster_id = $1 OR manager_node_ids && $2::text[]
          ORDER BY (cluster_id = $1) DESC NULLS LAST LIMIT 1`,
        [clusterId, [...managerNodeIds]],
      );
      const row = result.rows[0];
      return row ? { swarmId: row.id, tenantId: row.tenant_id } : null;
    },

    async deleteSwarm(id: string): Promise<boolean> {
      const result = await pool.query('DELETE FROM swarms WHERE id = $1', [id]);
      forgetRemembered();
      return result.rowCount === 1;
    },
  };
}

export type RegistryRepository = ReturnType<typeof createRegistryRepository>;
