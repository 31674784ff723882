// Shared checks of swarm registration: names, labels, endpoints, and that every endpoint is a manager of one cluster.
import { SwarmClient } from '../docker/swarm-client.ts';
import { validateEndpoint, type EngineEndpoint } from '../docker/endpoint.ts';
import type { DockerInfo } from '../docker/types.ts';
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

export function validateEndpoints(endpoints: readonly EngineEndpoint[]): EngineEndpoint[] {
  if (endpoints.length === 0) throw badInput('at least one manager endpoint is required');
  if (endpoints.length > MAX_ENDPOINTS)
    throw badInput(`at most ${MAX_ENDPOINTS} endpoints may be registered`);
  const valid = endpoints.map((endpoint, index) => validateEndpoint(endpoint, `endpoints[${index}]`));
  const urls = new Set(valid.map((endpoint) => endpoint.url));
  if (urls.size !== valid.length) throw badInput('an endpoint URL is given twice');
  return valid;
}

/**
 * Asks every endpoint for `docker info` and returns the ClusterID they share. Each endpoint must answer and
 * be a manager (ControlAvailable) of the same cluster: a worker or another cluster is BAD_INPUT naming it,
 * an endpoint that does not answer is SWARM_UNREACHABLE naming it.
 */
export async function verifyManagers(
  name: string,
  endpoints: EngineEndpoint[],
  timeoutMs: number,
): Promise<string> {
  const probe = new SwarmClient(name, endpoints, { timeoutMs });
  const answers = await probe.probeAll('system.info', (docker) => docker.info() as Promise<DockerInfo>);
  const clusters = new Set<string>();
  for (const answer of answers) {
    if (!answer.value) {
      throw new GatewayError(
        'SWARM_UNREACHABLE',
        `endpoint ${answer.url} did not answer: ${answer.error ?? 'no answer'}`,
      );
    }
    const swarm = answer.value.Swarm;
    if (swarm.LocalNodeState !== 'active' || !swarm.ControlAvailable || !swarm.Cluster?.ID) {
      throw badInput(
        `endpoint ${answer.url} is not a swarm manager (swarm state: ${swarm.LocalNodeState || 'inactive'}); ` +
          'register manager endpoints only',
      );
    }
    clusters.add(swarm.Cluster.ID);
  }
  if (clusters.size !== 1)
    throw badInput('the endpoints belong to different swarm clusters; register one cluster at a time');
  return [...clusters][0]!;
}

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
