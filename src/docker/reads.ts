// Every read of the Docker Engine API, typed. dockerode answers untyped (or with its own looser types); types.ts says
// what Engine API 1.41 sends, and the casts to it are made here, once. The swarm state, the job processors, the
// operations and the queries read through these functions, and writes.ts re-reads an object through them before
// each versioned update. Each function is one Engine API call, named by its operation ('node.list'...) in metrics.
import type Dockerode from 'dockerode';
import { GatewayError } from '../errors.ts';
import { withTimeout } from '../util/timeout.ts';
import type { Engine } from './engine.ts';
import { asDockerInfo } from './engine-proof.ts';
import { engineFailureCause, engineFailureText, isNotFound } from './errors.ts';
import type { SwarmClient } from './swarm-client.ts';
import type {
  DockerConfig,
  DockerInfo,
  DockerNetwork,
  DockerNode,
  DockerSecret,
  DockerService,
  DockerSwarm,
  DockerTask,
} from './types.ts';

/**
 * What a read runs on: a SwarmClient (a reachable manager, failing over between endpoints) or an EventsWatch (its
 * watched manager only).
 */
export interface DockerCaller {
  call<T>(operation: string, run: (docker: Dockerode) => Promise<T>): Promise<T>;
}

// ------------------------------------------------------------------ nodes

export function listNodes(caller: DockerCaller): Promise<DockerNode[]> {
  return caller.call(
    'node.list',
    (docker) => docker.listNodes() as Promise<unknown> as Promise<DockerNode[]>,
  );
}

/** The node; NOT_FOUND when the swarm has no such node. */
export function inspectNode(caller: DockerCaller, nodeId: string): Promise<DockerNode> {
  return caller.call(
    'node.inspect',
    (docker) => docker.getNode(nodeId).inspect() as Promise<unknown> as Promise<DockerNode>,
  );
}

/** The node as the swarm sees it now; null when it is gone. */
export function findNode(caller: DockerCaller, nodeId: string): Promise<DockerNode | null> {
  return orNull(inspectNode(caller, nodeId));
}

/** A node's hostname; when Docker gives none, `fallback`, else the node's ID. */
export function hostnameOf(node: DockerNode | undefined, fallback?: string): string {
  return node?.Description?.Hostname ?? fallback ?? node?.ID ?? '';
}

// ------------------------------------------------------------------ services

export function listServices(caller: DockerCaller): Promise<DockerService[]> {
  return caller.call(
    'service.list',
    (docker) => docker.listServices() as Promise<unknown> as Promise<DockerService[]>,
  );
}

/** The services whose name starts with `name`: Docker's name filter matches prefixes too. */
export function listServicesByName(caller: DockerCaller, name: string): Promise<DockerService[]> {
  return caller.call(
    'service.list',
    (docker) =>
      docker.listServices({ filters: { name: [name] } }) as Promise<unknown> as Promise<DockerService[]>,
  );
}

/** The service; NOT_FOUND when the swarm has no such service. */
export function inspectService(caller: DockerCaller, serviceId: string): Promise<DockerService> {
  return caller.call(
    'service.inspect',
    (docker) => docker.getService(serviceId).inspect() as Promise<unknown> as Promise<DockerService>,
  );
}

/** The service as the swarm sees it now; null when it is gone. */
export function findService(caller: DockerCaller, serviceId: string): Promise<DockerService | null> {
  return orNull(inspectService(caller, serviceId));
}

// ------------------------------------------------------------------ tasks

/** Every task the swarm keeps (history included). */
export function listTasks(caller: DockerCaller): Promise<DockerTask[]> {
  return caller.call(
    'task.list',
    (docker) => docker.listTasks() as Promise<unknown> as Promise<DockerTask[]>,
  );
}

export function listNodeTasks(caller: DockerCaller, nodeId: string): Promise<DockerTask[]> {
  return caller.call(
    'task.list',
    (docker) =>
      docker.listTasks({ filters: { node: [nodeId] } }) as Promise<unknown> as Promise<DockerTask[]>,
  );
}

/**
 * The tasks of the service and its history. Docker's service filter also matches by name prefix: a caller keeps
 * those whose ServiceID is the service's.
 */
export function listServiceTasks(caller: DockerCaller, serviceId: string): Promise<DockerTask[]> {
  return caller.call(
    'task.list',
    (docker) =>
      docker.listTasks({ filters: { service: [serviceId] } }) as Promise<unknown> as Promise<DockerTask[]>,
  );
}

/**
 * The task list as Docker sent it (parseTaskList reads it): the swarm state lists every task every few seconds, and
 * a list unchanged since the last one (the usual case) is recognised by its bytes, without parsing tens of thousands
 * of objects again.
 */
export function listTasksRaw(caller: DockerCaller): Promise<Buffer> {
  return caller.call(
    'task.list',
    (docker) =>
      new Promise<Buffer>((resolve, reject) => {
        docker.modem.dial(
          {
            path: '/tasks?',
            method: 'GET',
            options: {},
            isStream: true,
            statusCodes: { 200: true, 500: 'server error' },
          },
          (error, response) => {
            if (error) return reject(error);
            const body = response as NodeJS.ReadableStream;
            const chunks: Buffer[] = [];
            body.on('data', (chunk: Buffer) => chunks.push(chunk));
            body.on('end', () => resolve(Buffer.concat(chunks)));
            body.on('error', reject);
          },
        );
      }),
  );
}

/** A task list listTasksRaw read. */
export function parseTaskList(raw: Buffer): DockerTask[] {
  return JSON.parse(raw.toString('utf8')) as DockerTask[];
}

// ------------------------------------------------------------------ networks, secrets, configs

/** Every network the answering manager knows: the swarm's (scope `swarm`) and that engine's own local ones. */
export function listNetworks(caller: DockerCaller): Promise<DockerNetwork[]> {
  return caller.call(
    'network.list',
    (docker) => docker.listNetworks() as Promise<unknown> as Promise<DockerNetwork[]>,
  );
}

/** The network; NOT_FOUND when the manager knows no such network. */
export function inspectNetwork(caller: DockerCaller, networkId: string): Promise<DockerNetwork> {
  return caller.call(
    'network.inspect',
    (docker) => docker.getNetwork(networkId).inspect() as Promise<unknown> as Promise<DockerNetwork>,
  );
}

/** The network as the swarm sees it now; null when it is gone. */
export function findNetwork(caller: DockerCaller, networkId: string): Promise<DockerNetwork | null> {
  return orNull(inspectNetwork(caller, networkId));
}

export function listSecrets(caller: DockerCaller): Promise<DockerSecret[]> {
  return caller.call(
    'secret.list',
    (docker) => docker.listSecrets() as Promise<unknown> as Promise<DockerSecret[]>,
  );
}

/** The secret (never its value: Docker does not send it); NOT_FOUND when the swarm has no such secret. */
export function inspectSecret(caller: DockerCaller, secretId: string): Promise<DockerSecret> {
  return caller.call(
    'secret.inspect',
    (docker) => docker.getSecret(secretId).inspect() as Promise<unknown> as Promise<DockerSecret>,
  );
}

/** The secret as the swarm sees it now; null when it is gone. */
export function findSecret(caller: DockerCaller, secretId: string): Promise<DockerSecret | null> {
  return orNull(inspectSecret(caller, secretId));
}

export function listConfigs(caller: DockerCaller): Promise<DockerConfig[]> {
  return caller.call(
    'config.list',
    (docker) => docker.listConfigs() as Promise<unknown> as Promise<DockerConfig[]>,
  );
}

/** The config (Docker sends its data too; views never show it); NOT_FOUND when the swarm has no such config. */
export function inspectConfig(caller: DockerCaller, configId: string): Promise<DockerConfig> {
  return caller.call(
    'config.inspect',
    (docker) => docker.getConfig(configId).inspect() as Promise<unknown> as Promise<DockerConfig>,
  );
}

/** The config as the swarm sees it now; null when it is gone. */
export function findConfig(caller: DockerCaller, configId: string): Promise<DockerConfig | null> {
  return orNull(inspectConfig(caller, configId));
}

// ------------------------------------------------------------------ the swarm and its engines

/** The swarm (its cluster ID, spec and join tokens); only a manager that reaches its swarm's leader answers. */
export function inspectSwarm(caller: DockerCaller): Promise<DockerSwarm> {
  return caller.call(
    'swarm.inspect',
    (docker) => docker.swarmInspect() as Promise<unknown> as Promise<DockerSwarm>,
  );
}

/** `docker info` of the manager that answers. */
export function managerInfo(caller: DockerCaller): Promise<DockerInfo> {
  return caller.call('system.info', (docker) => docker.info() as Promise<unknown> as Promise<DockerInfo>);
}

/** `docker info` of each of the swarm's endpoints, or what kept each from answering (SwarmClient.probeAll). */
export function infoOfEachEndpoint(
  client: SwarmClient,
): Promise<{ url: string; value?: DockerInfo; error?: string }[]> {
  return client.probeAll('system.info', (docker) => docker.info() as Promise<unknown> as Promise<DockerInfo>);
}

/**
 * `docker info` of an engine itself (engine.ts); SWARM_UNREACHABLE naming its URL and the cause (never the engine's
 * words) when it does not answer, or answers something that is not the Engine API's.
 */
export async function engineInfo(engine: Engine, timeoutMs: number): Promise<DockerInfo> {
  let answer: unknown;
  try {
    answer = await withTimeout(engine.docker.info(), timeoutMs, `${engine.url} (system.info)`);
  } catch (error) {
    throw engineError(engine.url, error);
  }
  const info = asDockerInfo(answer);
  if (!info) throw engineError(engine.url, new Error('not an Engine API answer'));
  return info;
}

/** SWARM_UNREACHABLE for an engine the caller named, by cause: the gateway's words only. */
function engineError(url: string, error: unknown): GatewayError {
  return new GatewayError('SWARM_UNREACHABLE', engineFailureText(url, error), {
    engine: url,
    cause: engineFailureCause(error),
  });
}

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
