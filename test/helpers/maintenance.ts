// What the maintenance tests share: the job's fields, a sampler of alpha through the Engine API (never through the
// gateway), the count of drains per node from Docker's events, and the teardown that leaves alpha's nodes Active.
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { DockerNode, DockerTask } from '../../src/docker/types.ts';
import { dataOf, gql } from './graphql.ts';
import { dockerFor, labEngine, setActive, waitUntil, type Inventory } from './lab.ts';

export const ALPHA_NODES = ['alpha-w1', 'alpha-w2', 'alpha-m1', 'alpha-m2', 'alpha-m3'];

export const MAINTENANCE_JOB = `id type state attempts errorCode errorMessage result operationId
  progress { percent step message }
  maintenanceNodes { nodeId hostname role state message continuedAt startedAt endedAt }`;

export interface MaintenanceNodeView {
  nodeId: string;
  hostname: string;
  role: string;
  state: string;
  message: string | null;
  continuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface MaintenanceJob {
  id: string;
  type: string;
  state: string;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  result: string | null;
  operationId: string;
  progress: { percent: number; step: string | null; message: string | null };
  maintenanceNodes: MaintenanceNodeView[];
}

export const alphaManager = (inventory: Inventory, name = 'alpha-m1'): Docker =>
  dockerFor(labEngine(inventory, name));

/** A service of probe:1 whose containers stop at once on SIGTERM; its id is added to `created`. */
export async function createProbeService(
  docker: Docker,
  spec: { name: string; replicas: number; constraints: string[] },
  created: string[],
): Promise<string> {
  const service = (await docker.createService({
    Name: spec.name,
    Labels: { 'swarmgate.test': 'maintenance' },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Command: ['sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 1 & wait; done"],
        StopGracePeriod: 2e9,
      },
      Placement: { Constraints: spec.constraints },
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
  } as unknown as Docker.CreateServiceOptions)) as { ID?: string; id?: string };
  const id = service.ID ?? service.id;
  assert.ok(id);
  created.push(id);
  return id;
}

export async function runningTasksOf(docker: Docker, serviceId: string): Promise<number> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as DockerTask[];
  return tasks.filter(
    (task) =>
      task.ServiceID === serviceId && task.DesiredState === 'running' && task.Status.State === 'running',
  ).length;
}

export async function waitForRunning(docker: Docker, serviceId: string, count: number): Promise<void> {
  await waitUntil(
    `${count} running tasks`,
    async () => {
      const running = await runningTasksOf(docker, serviceId);
      return running >= count || `${running} running`;
    },
    90_000,
    500,
  );
}

export interface Sample {
  at: number;
  running: number;
  reachableManagers: number;
}

/**
 * Every 200 ms (one read at a time): running tasks of the service and reachable managers, as a manager of alpha
 * reports them over its unix socket. A manager that does not answer counts no reachable managers for that sample.
 */
export function startSampler(inventory: Inventory, serviceId: string) {
  const samples: Sample[] = [];
  const errors: string[] = [];
  let busy = false;
  const sampleOnce = async () => {
    const docker = alphaManager(inventory);
    const [running, nodes] = await Promise.all([
      runningTasksOf(docker, serviceId),
      docker.listNodes() as Promise<DockerNode[]>,
    ]);
    const reachableManagers = nodes.filter(
      (node) => node.Spec.Role === 'manager' && node.ManagerStatus?.Reachability === 'reachable',
    ).length;
    samples.push({ at: Date.now(), running, reachableManagers });
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sampleOnce()
      .catch((error: unknown) => errors.push(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        busy = false;
      });
  }, 200);
  return {
    samples,
    errors,
    stop: () => clearInterval(timer),
  };
}

/** Drains per node (hostname) seen in Docker's node events between two times (seconds). */
export async function drainsPerNode(
  docker: Docker,
  since: number,
  until: number,
): Promise<Map<string, number>> {
  const nodes = (await docker.listNodes()) as DockerNode[];
  const nameOf = new Map(nodes.map((node) => [node.ID, node.Description?.Hostname ?? node.ID]));
  const stream = await docker.getEvents({ since, until, filters: { type: ['node'] } });
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString();
  const drains = new Map<string, number>();
  for (const line of text.split('\n').filter((one) => one.trim())) {
    const event = JSON.parse(line) as { Actor: { ID: string; Attributes: Record<string, string> } };
    if (event.Actor.Attributes['availability.new'] !== 'drain') continue;
    const name = nameOf.get(event.Actor.ID) ?? event.Actor.ID;
    drains.set(name, (drains.get(name) ?? 0) + 1);
  }
  return drains;
}

/** Every alpha node active, then Ready (and managers Reachable): the teardown of every maintenance test. */
export async function activateAlpha(inventory: Inventory): Promise<void> {
  const docker = alphaManager(inventory);
  for (const name of ALPHA_NODES) await setActive(docker, name, 'alpha');
  await waitUntil(
    'every alpha node active and ready',
    async () => {
      const nodes = (await docker.listNodes()) as DockerNode[];
      const off = nodes.filter(
        (node) =>
          node.Spec.Availability !== 'active' ||
          node.Status.State !== 'ready' ||
          (node.Spec.Role === 'manager' && node.ManagerStatus?.Reachability !== 'reachable'),
      );
      return off.length === 0 || off.map((node) => node.Description?.Hostname).join(', ');
    },
    60_000,
    500,
  );
}

/** Asserts every alpha node Active and Ready (and managers Reachable), as Docker shows them. */
export async function assertAlphaActive(inventory: Inventory): Promise<void> {
  const nodes = (await alphaManager(inventory).listNodes()) as DockerNode[];
  for (const name of ALPHA_NODES) {
    const node = nodes.find((one) => one.Description?.Hostname === name);
    assert.ok(node, `${name} is in alpha`);
    assert.equal(node.Spec.Availability, 'active', `${name} active`);
    assert.equal(node.Status.State, 'ready', `${name} ready`);
    if (node.Spec.Role === 'manager') assert.equal(node.ManagerStatus?.Reachability, 'reachable');
  }
}

export interface StepEvent {
  action: string;
  outcome: string;
  jobId: string | null;
  operationId: string;
  target: { nodeName: string | null; serviceName: string | null };
}

/** The audit events of a maintenance's own steps (node.*, service.*), oldest first, read by a tenant admin. */
export async function stepEvents(app: FastifyInstance, admin: string, jobId: string): Promise<StepEvent[]> {
  const items: StepEvent[] = [];
  for (const action of ['node.', 'service.']) {
    const page = dataOf(
      await gql<{ auditEvents: { items: StepEvent[] } }>(
        app,
        admin,
        `query ($action: String) { auditEvents(filter: { action: $action }, first: 500) {
          items { action outcome jobId operationId target { nodeName serviceName } } } }`,
        { action },
      ),
    ).auditEvents.items;
    items.push(...page.filter((event) => event.jobId === jobId).reverse());
  }
  return items;
}

/** Each operation's outcomes in order, keyed "action target operationId". */
export function stepsOf(events: readonly StepEvent[]): Map<string, string[]> {
  const byOperation = new Map<string, string[]>();
  for (const event of events) {
    const key = `${event.action} ${event.target.nodeName ?? event.target.serviceName ?? ''} ${event.operationId}`;
    byOperation.set(key, [...(byOperation.get(key) ?? []), event.outcome]);
  }
  return byOperation;
}
