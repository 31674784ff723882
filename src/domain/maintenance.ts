// The rules of a rolling maintenance (swarm.maintenance), shared by the request and the job: which nodes and in
// what order, the batches, the floor each replicated service must keep while a node is out, and the input's bounds.
import type { DockerNode, DockerService, DockerTask } from '../docker/types.ts';
import { badInput } from '../errors.ts';

export const DEFAULT_STEP_TIMEOUT_SECONDS = 600;
export const MAX_STEP_TIMEOUT_SECONDS = 24 * 3600;
export const MAX_PAUSE_SECONDS = 24 * 3600;
export const MAX_BATCH_SIZE = 100;
/** How long a paused maintenance waits for resumeMaintenance (or a cancel) before it ends FAILED. */
export const MAX_PAUSED_SECONDS = 7 * 24 * 3600;

export type MaintenanceRole = 'worker' | 'manager';

/** One node of the plan, resolved at request time (a hostname is never resolved again). */
export interface MaintenancePlanNode {
  nodeId: string;
  hostname: string;
  role: MaintenanceRole;
}

export interface MinAvailable {
  service: string;
  replicas: number;
}

/** What the job is given: the ordered plan and the caller's settings, checked. */
export type MaintenanceJobInput = {
  nodes: MaintenancePlanNode[];
  batchSize: number;
  /** null with waitForSignal. */
  pauseSeconds: number | null;
  waitForSignal: boolean;
  minAvailable: MinAvailable[];
  rebalance: string[];
  timeoutSeconds: number;
};

const roleOf = (node: DockerNode): MaintenanceRole => (node.Spec.Role === 'manager' ? 'manager' : 'worker');
const hostname = (node: DockerNode) => node.Description?.Hostname ?? node.ID;

const wholeIn = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Checks the numbers and names of the input; BAD_INPUT names the field. */
export function checkMaintenanceSettings(input: {
  batchSize: number;
  pauseSeconds: number | null;
  waitForSignal: boolean;
  timeoutSeconds: number;
  minAvailable: readonly MinAvailable[];
  rebalance: readonly string[];
}): void {
  if (!wholeIn(input.batchSize, 1, MAX_BATCH_SIZE)) {
    throw badInput(`batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  if (input.waitForSignal && input.pauseSeconds !== null) {
    throw badInput('give either pauseSeconds or waitForSignal: true, not both');
  }
  if (
    !input.waitForSignal &&
    (input.pauseSeconds === null || !wholeIn(input.pauseSeconds, 0, MAX_PAUSE_SECONDS))
  ) {
    throw badInput(
      `pauseSeconds must be a whole number from 0 to ${MAX_PAUSE_SECONDS} (or waitForSignal: true)`,
    );
  }
  if (!wholeIn(input.timeoutSeconds, 1, MAX_STEP_TIMEOUT_SECONDS)) {
    throw badInput(`timeoutSeconds must be a whole number from 1 to ${MAX_STEP_TIMEOUT_SECONDS}`);
  }
  const seen = new Set<string>();
  for (const [index, floor] of input.minAvailable.entries()) {
    if (!floor.service.trim()) throw badInput(`minAvailable[${index}].service must not be empty`);
    if (!wholeIn(floor.replicas, 0, 100_000)) {
      throw badInput(`minAvailable[${index}].replicas must be a whole number from 0 to 100000`);
    }
    if (seen.has(floor.service)) throw badInput(`minAvailable names service "${floor.service}" twice`);
    seen.add(floor.service);
  }
  for (const [index, service] of input.rebalance.entries()) {
    if (!service.trim()) throw badInput(`rebalance[${index}] must not be empty`);
  }
}

/** A label selector "key=value" (or "key", any value), as placement constraints name labels. */
export function parseLabelSelector(label: string): { key: string; value: string | null } {
  const at = label.indexOf('=');
  const key = (at < 0 ? label : label.slice(0, at)).trim();
  if (!key) throw badInput('label must be "key=value" or "key"');
  return { key, value: at < 0 ? null : label.slice(at + 1) };
}

/**
 * The maintenance order: workers first, then managers; within each, the caller's order for a list, else by hostname.
 */
export function orderMaintenance(nodes: readonly DockerNode[], listed: boolean): MaintenancePlanNode[] {
  const plan = nodes.map((node) => ({ nodeId: node.ID, hostname: hostname(node), role: roleOf(node) }));
  const sorted = listed ? plan : [...plan].sort((a, b) => a.hostname.localeCompare(b.hostname));
  return [
    ...sorted.filter((node) => node.role === 'worker'),
    ...sorted.filter((node) => node.role === 'manager'),
  ];
}

/** Nodes selected by role or by label (the list is resolved by the caller, reference by reference). */
export function selectNodes(
  nodes: readonly DockerNode[],
  selector: { role?: MaintenanceRole | null; label?: string | null },
): DockerNode[] {
  if (selector.role) return nodes.filter((node) => roleOf(node) === selector.role);
  if (selector.label !== null && selector.label !== undefined) {
    const { key, value } = parseLabelSelector(selector.label);
    return nodes.filter((node) => {
      const labels = node.Spec.Labels ?? {};
      return Object.hasOwn(labels, key) && (value === null || labels[key] === value);
    });
  }
  return [];
}

/** Batches of the plan: workers `batchSize` at a time, managers always one at a time. */
export function batchesOf<T extends { role: MaintenanceRole }>(plan: readonly T[], batchSize: number): T[][] {
  const batches: T[][] = [];
  const workers = plan.filter((node) => node.role === 'worker');
  for (let at = 0; at < workers.length; at += batchSize) batches.push(workers.slice(at, at + batchSize));
  for (const manager of plan.filter((node) => node.role === 'manager')) batches.push([manager]);
  return batches;
}

/** One replicated service's floor against the nodes about to go out. */
export interface FloorCheck {
  serviceId: string;
  service: string;
  desired: number;
  floor: number;
  /** Running tasks on nodes that stay in. */
  elsewhere: number;
  /** Tasks that run (or are wanted) on the nodes going out. */
  onLeaving: number;
}

const isRunning = (task: DockerTask) => task.DesiredState === 'running' && task.Status.State === 'running';

/**
 * For every replicated service with tasks on the nodes going out: its floor (minAvailable, by name or id, else
 * desired − 1, never below 0) and its running tasks elsewhere. The ones below the floor are the services whose
 * tasks must first run elsewhere before the nodes are drained.
 */
export function floorChecks(
  services: readonly DockerService[],
  tasks: readonly DockerTask[],
  leaving: ReadonlySet<string>,
  minAvailable: readonly MinAvailable[],
  /** Services this maintenance scaled up for the drain, with their replicas before: the floor is of those. */
  before: ReadonlyMap<string, number> = new Map(),
): FloorCheck[] {
  const checks: FloorCheck[] = [];
  for (const service of services) {
    const current = service.Spec.Mode?.Replicated?.Replicas;
    if (current === undefined) continue;
    const replicas = before.get(service.ID) ?? current;
    const own = tasks.filter((task) => task.ServiceID === service.ID);
    const onLeaving = own.filter(
      (task) => leaving.has(task.NodeID ?? '') && task.DesiredState === 'running',
    ).length;
    if (onLeaving === 0) continue;
    const given = minAvailable.find(
      (floor) => floor.service === service.Spec.Name || floor.service === service.ID,
    );
    checks.push({
      serviceId: service.ID,
      service: service.Spec.Name,
      desired: replicas,
      floor: given ? given.replicas : Math.max(0, replicas - 1),
      elsewhere: own.filter((task) => !leaving.has(task.NodeID ?? '') && isRunning(task)).length,
      onLeaving,
    });
  }
  return checks;
}

/** The checks whose service would run below its floor if the nodes went out now. */
export const belowFloor = (checks: readonly FloorCheck[]): FloorCheck[] =>
  checks.filter((check) => check.elsewhere < check.floor);

export const describeFloor = (check: FloorCheck): string =>
  `service ${check.service} runs ${check.elsewhere} task(s) elsewhere, needs ${check.floor}`;
