// The only module that changes swarms through the Docker API. Job processors reach it; nothing else may (lint rule).
// Every update sends Docker's object version; an out-of-sequence update is re-read and retried, never lost.
import type Dockerode from 'dockerode';
import { isOutOfSequence } from './errors.ts';
import { inspectNode, inspectSecret, inspectService, inspectSwarm } from './reads.ts';
import type { SwarmClient } from './swarm-client.ts';
import type {
  DockerConfigSpec,
  DockerNetworkCreateRequest,
  DockerNode,
  DockerSecret,
  DockerSecretSpec,
  DockerService,
  DockerServiceSpec,
  DockerSwarm,
} from './types.ts';

const VERSION_RETRIES = 8;

/**
 * Re-reads the object (`read`, its `what`.inspect) and applies `change` to its current spec until Docker accepts the
 * version, so concurrent updates (from the gateway or from a person at a manager) are never lost. `change` returning
 * null means nothing to do (already as wanted): no update is sent.
 */
async function updateVersioned<T extends { Version: { Index: number } }, S>(
  client: SwarmClient,
  what: string,
  read: () => Promise<T>,
  change: (current: T) => S | null,
  write: (docker: Dockerode, version: number, spec: S) => Promise<unknown>,
): Promise<{ changed: boolean; object: T }> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await read();
    const spec = change(current);
    if (spec === null) return { changed: false, object: current };
    try {
      await client.call(`${what}.update`, (docker) => write(docker, current.Version.Index, spec));
      return { changed: true, object: current };
    } catch (error) {
      if (attempt < VERSION_RETRIES && isOutOfSequence(error)) continue;
      throw error;
    }
  }
}

export function updateNodeSpec(
  client: SwarmClient,
  nodeId: string,
  change: (node: DockerNode) => DockerNode['Spec'] | null,
) {
  return updateVersioned(
    client,
    'node',
    () => inspectNode(client, nodeId),
    change,
    (docker, version, spec) => docker.getNode(nodeId).update({ version, ...spec }),
  );
}

export function removeNode(client: SwarmClient, nodeId: string, force: boolean) {
  return client.call('node.remove', (docker) => docker.getNode(nodeId).remove({ force }));
}

export function updateSwarmSpec(
  client: SwarmClient,
  change: (
    swarm: DockerSwarm,
  ) => { spec: DockerSwarm['Spec']; rotateWorkerToken?: boolean; rotateManagerToken?: boolean } | null,
) {
  return updateVersioned(
    client,
    'swarm',
    () => inspectSwarm(client),
    change,
    (docker, version, update) =>
      docker.swarmUpdate({
        ...update.spec,
        version,
        rotateWorkerToken: update.rotateWorkerToken ?? false,
        rotateManagerToken: update.rotateManagerToken ?? false,
      }),
  );
}

export function createService(client: SwarmClient, spec: DockerServiceSpec) {
  return client.call(
    'service.create',
    // Our spec type follows the Engine API; dockerode's typing of it is stricter than the API itself.
    (docker) =>
      docker.createService(spec as unknown as Dockerode.CreateServiceOptions) as Promise<{
        ID?: string;
        id?: string;
      }>,
  );
}

export function updateServiceSpec(
  client: SwarmClient,
  serviceId: string,
  change: (service: DockerService) => DockerServiceSpec | null,
  options: { rollback?: boolean } = {},
) {
  return updateVersioned(
    client,
    'service',
    () => inspectService(client, serviceId),
    change,
    (docker, version, spec) =>
      docker
        .getService(serviceId)
        .update({ version, ...spec, ...(options.rollback ? { rollback: 'previous' } : {}) }),
  );
}

export function removeService(client: SwarmClient, serviceId: string) {
  return client.call('service.remove', (docker) => docker.getService(serviceId).remove());
}

// ------------------------------------------------------------------ networks, secrets, configs

/** Creates a network; answers its ID. */
export async function createNetwork(
  client: SwarmClient,
  request: DockerNetworkCreateRequest,
): Promise<string> {
  const network = await client.call(
    'network.create',
    (docker) =>
      docker.createNetwork(bodyOnly(request) as unknown as Dockerode.NetworkCreateOptions) as Promise<{
        id: string;
      }>,
  );
  return network.id;
}

export function removeNetwork(client: SwarmClient, networkId: string) {
  return client.call('network.remove', (docker) => docker.getNetwork(networkId).remove() as Promise<unknown>);
}

/**
 * docker-modem sends a POST's options as its body AND its query string unless they are split into `_query` and
 * `_body`: a secret's value must not travel in a URL (engines and proxies log URLs), and a value of hundreds of KiB
 * would not fit in one.
 */
function bodyOnly(body: object): { _query: Record<string, never>; _body: object } {
  return { _query: {}, _body: body };
}

/** Creates a secret (`spec.Data` in base64); answers its ID. */
export async function createSecret(client: SwarmClient, spec: DockerSecretSpec): Promise<string> {
  const secret = await client.call(
    'secret.create',
    (docker) => docker.createSecret(bodyOnly(spec)) as Promise<{ id: string }>,
  );
  return secret.id;
}

/** Changes a secret's labels (the only part of a secret Docker lets change), versioned. */
export function updateSecretSpec(
  client: SwarmClient,
  secretId: string,
  change: (secret: DockerSecret) => DockerSecretSpec | null,
) {
  return updateVersioned(
    client,
    'secret',
    () => inspectSecret(client, secretId),
    change,
    (docker, version, spec) =>
      docker.getSecret(secretId).update({ _query: { version }, _body: spec }) as Promise<unknown>,
  );
}

export function removeSecret(client: SwarmClient, secretId: string) {
  return client.call('secret.remove', (docker) => docker.getSecret(secretId).remove() as Promise<unknown>);
}

/** Creates a config (`spec.Data` in base64); answers its ID. */
export async function createConfig(client: SwarmClient, spec: DockerConfigSpec): Promise<string> {
  const config = await client.call(
    'config.create',
    (docker) => docker.createConfig(bodyOnly(spec)) as Promise<{ id: string }>,
  );
  return config.id;
}

export function removeConfig(client: SwarmClient, configId: string) {
  return client.call('config.remove', (docker) => docker.getConfig(configId).remove() as Promise<unknown>);
}

/** Engine-level calls on one engine (not a swarm manager): init, join and leave act on the engine itself. */
export const engine = {
  init: (docker: Dockerode, request: Record<string, unknown>) => docker.swarmInit(request) as Promise<string>,
  join: (docker: Dockerode, request: Record<string, unknown>) =>
    docker.swarmJoin(request) as Promise<unknown>,
  leave: (docker: Dockerode, force: boolean) => docker.swarmLeave({ force }) as Promise<unknown>,
};
