// The lab's swarm alpha as the benchmark uses it: its managers' mutual-TLS endpoints (for registration and for
// reading its Engine API directly), and a temporary service whose 1,000 tasks stay pending (they fit no node, so
// no container starts) to give alpha a 1,000-task list.
import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import type { DockerTask } from '../src/docker/types.ts';
import { inventoryEngine, loadInventory, type Inventory } from '../src/lab/inventory.ts';
import { sleep } from './processes.ts';

export const TASKS_SERVICE = 'swarmgate-bench-tasks';
/** A node id no node has: the service's tasks are created, scheduled nowhere and stay pending. */
const NOWHERE = 'node.id==swarmgatebenchnowhere0000000';

export interface Alpha {
  inventory: Inventory;
  /** Endpoint inputs of registerSwarm, one per manager, with the lab's client TLS material. */
  endpoints: { url: string; tls: { ca: string; cert: string; key: string } }[];
  /** alpha-m1's Engine API over mutual TLS, for the load generator (file paths of the client material). */
  direct: { url: string; tls: { ca: string; cert: string; key: string } };
  docker: Dockerode;
}

export function labAlpha(): Alpha {
  const inventory = loadInventory();
  const alpha = inventory.swarms.find((swarm) => swarm.name === 'alpha');
  if (!alpha) throw new Error('the lab inventory has no swarm alpha');
  const endpoints = alpha.managers.map((name) => {
    const engine = inventoryEngine(inventory, name);
    return {
      url: engine.tlsEndpoint,
      tls: {
        ca: readFileSync(engine.ca, 'utf8'),
        cert: readFileSync(engine.cert, 'utf8'),
        key: readFileSync(engine.key, 'utf8'),
      },
    };
  });
  const first = inventoryEngine(inventory, alpha.managers[0]!);
  const url = new URL(first.tlsEndpoint);
  const docker = new Dockerode({
    host: url.hostname,
    port: Number(url.port),
    protocol: 'https',
    ca: endpoints[0]!.tls.ca,
    cert: endpoints[0]!.tls.cert,
    key: endpoints[0]!.tls.key,
    version: 'v1.41',
    timeout: 30_000,
  });
  return {
    inventory,
    endpoints,
    direct: {
      url: `https://${url.hostname}:${url.port}`,
      tls: { ca: first.ca, cert: first.cert, key: first.key },
    },
    docker,
  };
}

/** Answers when every engine of alpha's managers answers /_ping over TLS. */
export async function alphaAnswers(alpha: Alpha): Promise<boolean> {
  try {
    await alpha.docker.ping();
    return true;
  } catch {
    return false;
  }
}

async function removeTasksService(docker: Dockerode): Promise<boolean> {
  const services = await docker.listServices({ filters: { name: [TASKS_SERVICE] } });
  const ours = (services as { ID: string; Spec: { Name: string } }[]).filter(
    (service) => service.Spec.Name === TASKS_SERVICE,
  );
  for (const service of ours) await docker.getService(service.ID).remove();
  return ours.length > 0;
}

async function taskCount(docker: Dockerode, serviceId?: string): Promise<number> {
  const tasks = (await docker.listTasks(
    serviceId ? { filters: { service: [serviceId] } } : {},
  )) as DockerTask[];
  return tasks.length;
}

export interface PendingTasks {
  /** Tasks of alpha while the service exists (the service's plus any others). */
  totalTasks: number;
  remove(): Promise<void>;
}

/** Creates the pending-tasks service (a leftover of an earlier run is removed first) and waits for its tasks. */
export async function createPendingTasks(alpha: Alpha, replicas: number): Promise<PendingTasks> {
  const { docker } = alpha;
  if (await removeTasksService(docker)) await sleep(2000);
  const created = (await docker.createService({
    Name: TASKS_SERVICE,
    Labels: { 'swarmgate.bench': 'pending-tasks' },
    TaskTemplate: {
      ContainerSpec: { Image: 'swarmgate/probe:1', Command: ['sleep', '3600'] },
      Placement: { Constraints: [NOWHERE] },
    },
    Mode: { Replicated: { Replicas: replicas } },
  })) as { id?: string; ID?: string };
  const id = created.id ?? created.ID ?? '';
  const deadline = Date.now() + 120_000;
  let count = 0;
  while ((count = await taskCount(docker, id)) < replicas) {
    if (Date.now() > deadline) {
      await removeTasksService(docker).catch(() => undefined);
      throw new Error(`alpha created only ${count} of ${replicas} pending tasks in 120 s`);
    }
    await sleep(500);
  }
  const totalTasks = await taskCount(docker);
  return {
    totalTasks,
    async remove() {
      await removeTasksService(docker);
      // Leave alpha as it was: wait (a little) for the orchestrator to delete the tasks.
      const until = Date.now() + 30_000;
      while (Date.now() < until && (await taskCount(docker)) > totalTasks - replicas) await sleep(500);
    },
  };
}
