// Shared checks of swarm registration: names, labels, endpoints, and that every endpoint is a manager of one cluster.
import { createDockerClient, type EngineEndpoint } from '../docker/endpoint.ts';
import { engineFailureCause, engineFailureText } from '../docker/errors.ts';
import { withTimeout } from '../util/timeout.ts';
import type { EndpointPolicy } from '../docker/endpoint-policy.ts';
import { asDockerInfo, clusterOf } from '../docker/engine-proof.ts';
import type { Principal } from '../auth/principal.ts';
import { badInput, GatewayError, notFound } from '../errors.ts';
import { tenantScope } from '../queries/swarm-reads.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';

const SWARM_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const LABEL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9_./-]{0,127}$/;
const MAX_ENDPOINTS = 7;

export function validateSwarmName(name: string): string {
  if (!SWARM_NAME.test(name)) {
    throw badInput(
      'swarm name must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit',
    );
  }
  return name;
}

export function labelsFromInput(
  labels: readonly { key: string; value?: string | null }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of labels) {
    if (!LABEL_KEY.test(key))
      throw badInput(`label key "${key}" is not valid (letters, digits, "_./-", at most 128)`);
    if (key in out) throw badInput(`label key "${key}" is given twice`);
    if ((value ?? '').length > 1024) throw badInput(`label "${key}" has a value longer than 1024 characters`);
    out[key] = value ?? '';
  }
  return out;
}

/**
 * The endpoints of a registration, each through the endpoint policy (what this principal may give, where it may
 * point), in order; BAD_INPUT naming the first refused one.
 */
export async function checkEndpoints(
  deps: { endpointPolicy: EndpointPolicy },
  principal: Principal,
  endpoints: readonly EngineEndpoint[],
): Promise<EngineEndpoint[]> {
  if (endpoints.length === 0) throw badInput('at least one manager endpoint is required');
  if (endpoints.length > MAX_ENDPOINTS)
    throw badInput(`at most ${MAX_ENDPOINTS} endpoints may be registered`);
  const valid = await deps.endpointPolicy.checkAll(endpoints, principal, 'endpoints');
  const urls = new Set(valid.map((endpoint) => endpoint.url));
  if (urls.size !== valid.length) throw badInput('an endpoint URL is given twice');
  return valid;
}

/** The cluster the registered endpoints are managers of, as they reported it themselves. */
export interface VerifiedCluster {
  clusterId: string;
  /** Every endpoint's own node id and the managers each knows (RemoteManagers). */
  managerNodeIds: string[];
}

/**
 * Asks every endpoint for `docker info` and returns the ClusterID they share and their managers' node ids. Each
 * endpoint must answer and be a manager (ControlAvailable) of the same cluster: a worker or another cluster is
 * BAD_INPUT naming it, an endpoint that does not answer (or not as an Engine API) is SWARM_UNREACHABLE naming it and
 * the cause, never what it sent.
 */
export async function verifyManagers(
  endpoints: EngineEndpoint[],
  timeoutMs: number,
): Promise<VerifiedCluster> {
  // Each endpoint asked on its own, so that a failure is told by its cause (never by what the endpoint sent).
  const answers = await Promise.all(
    endpoints.map(async (endpoint) => {
      try {
        const docker = createDockerClient(endpoint, timeoutMs);
        const value: unknown = await withTimeout(docker.info(), timeoutMs, `${endpoint.url} (system.info)`);
        return { url: endpoint.url, value, error: undefined };
      } catch (error) {
        return { url: endpoint.url, value: undefined, error: error };
      }
    }),
  );
  const clusters = new Set<string>();
  const managers = new Set<string>();
  for (const answer of answers) {
    if (answer.error !== undefined) {
      throw new GatewayError('SWARM_UNREACHABLE', engineFailureText(answer.url, answer.error), {
        engine: answer.url,
        cause: engineFailureCause(answer.error),
      });
    }
    const info = asDockerInfo(answer.value);
    if (!info) {
      const notDocker = new Error('not an Engine API answer');
      throw new GatewayError('SWARM_UNREACHABLE', engineFailureText(answer.url, notDocker), {
        engine: answer.url,
        cause: 'not-docker',
      });
    }
    const swarm = info.Swarm;
    const cluster = clusterOf(info);
    if (swarm.LocalNodeState !== 'active' || !swarm.ControlAvailable || !cluster.clusterId) {
      throw badInput(
        `endpoint ${answer.url} is not a swarm manager (swarm state: ${stateOf(swarm.LocalNodeState)}); ` +
          'register manager endpoints only',
      );
    }
    clusters.add(cluster.clusterId);
    for (const id of cluster.managerNodeIds) managers.add(id);
  }
  if (clusters.size !== 1)
    throw badInput('the endpoints belong to different swarm clusters; register one cluster at a time');
  return { clusterId: [...clusters][0]!, managerNodeIds: [...managers].sort() };
}

/** Docker's node states, and nothing else an engine might put there. */
const stateOf = (state: string) =>
  ['inactive', 'pending', 'active', 'error', 'locked'].includes(state)
    ? state
    : state
      ? 'unknown'
      : 'inactive';

/** A registered swarm the principal may see, by id or name; another tenant's is NOT_FOUND. */
export async function findSwarmFor(
  deps: { registry: RegistryRepository },
  principal: Principal,
  ref: string,
): Promise<SwarmRecord> {
  const swarm = await deps.registry.findSwarm(tenantScope(principal), ref);
  if (!swarm) throw notFound('swarm', ref);
  return swarm;
}

/**
 * An operation's `locate` step for a registered swarm (runOperation): the swarm `ref` names in the caller's reach,
 * handed to `found`, its tenant's log and the swarm as the audit's target.
 */
export function swarmLocator(
  deps: { registry: RegistryRepository },
  principal: Principal,
  ref: string,
  found: (swarm: SwarmRecord) => void,
): () => Promise<{ tenant: string; target: { swarmId: string; swarmName: string } }> {
  return async () => {
    const swarm = await findSwarmFor(deps, principal, ref);
    found(swarm);
    return { tenant: swarm.tenant, target: { swarmId: swarm.id, swarmName: swarm.name } };
  };
}
