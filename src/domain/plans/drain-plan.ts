// What draining (or pausing) a node would do to its tasks: which would move, where they could go, and which no other
// node can take. Pure: given the node list, the services and the tasks read once by the plan.
import type { DockerNode, DockerService, DockerTask } from '../../docker/types.ts';
import {
  failedConstraint,
  isSchedulable,
  nodeCapacity,
  resourceShortfall,
  serviceReservation,
  type Capacity,
} from './placement.ts';

export interface MovingTask {
  task: string;
  service: string;
  slot: number | null;
  /** true when at least one other Active, Ready node can take it (constraints, max replicas, resources). */
  fits: boolean;
  /** The nodes (hostnames) that could take it, as the swarm is now and with the drained node's other tasks placed. */
  candidates: string[];
  /** Why no node can take it (set when `fits` is false). */
  reason?: string;
}

export interface DrainPlan {
  node: { id: string; name: string; role: string };
  availability: 'drain' | 'pause';
  /** The tasks that would be rescheduled elsewhere (drain only). */
  tasks: MovingTask[];
  /** The moving tasks no other node can take: they would stay pending. */
  unschedulable: { task: string; service: string; slot: number | null; reason: string }[];
  /** A global service's task on the node stops; it does not move (every other node runs its own already). */
  stopping: { task: string; service: string; reason: string }[];
  /** Pause: the tasks that keep running where they are (no new task is scheduled on the node). */
  staying: number;
  /** Availability does not change the raft membership: a drained manager still votes. */
  quorum: null;
  quorumNote: string | null;
}

const RUNNING_DESIRED = new Set([
  'running',
  'ready',
  'starting',
  'assigned',
  'accepted',
  'preparing',
  'pending',
]);

/** The tasks a node runs or is about to: those the orchestrator wants running there. */
const isLive = (task: DockerTask): boolean =>
  task.DesiredState === 'running' || RUNNING_DESIRED.has(task.DesiredState);

const nameOf = (node: DockerNode): string => node.Description?.Hostname ?? node.ID;

interface Placement {
  node: DockerNode;
  free: Capacity;
  /** Tasks per service on the node, counting the ones this plan placed there. */
  perService: Map<string, number>;
}

/** The other Active, Ready nodes, with what they have free and how many tasks of each service they run. */
function placementsOf(
  nodes: readonly DockerNode[],
  drained: string,
  live: readonly DockerTask[],
  services: Map<string, DockerService>,
): Placement[] {
  return nodes
    .filter((node) => node.ID !== drained && isSchedulable(node))
    .map((node) => {
      const free = nodeCapacity(node);
      const perService = new Map<string, number>();
      for (const task of live.filter((t) => t.NodeID === node.ID)) {
        perService.set(task.ServiceID, (perService.get(task.ServiceID) ?? 0) + 1);
        const service = services.get(task.ServiceID);
        if (!service) continue;
        const reserved = serviceReservation(service);
        free.nanoCpus -= reserved.nanoCpus;
        free.memoryBytes -= reserved.memoryBytes;
      }
      return { node, free, perService };
    });
}

/** Why this node cannot take a task of the service, or null when it can. */
function refusalAt(place: Placement, service: DockerService): string | null {
  const placement = service.Spec.TaskTemplate.Placement;
  const constraint = failedConstraint(place.node, placement?.Constraints ?? []);
  if (constraint !== null) return `constraint ${constraint}`;
  const max = placement?.MaxReplicas ?? 0;
  if (max > 0 && (place.perService.get(service.ID) ?? 0) >= max) return `max ${max} replicas per node`;
  return resourceShortfall(serviceReservation(service), place.free);
}

/** The reason shared by every node that refuses, or each node's own, for a person. */
function summarizeRefusals(refusals: { node: string; reason: string }[]): string {
  if (refusals.length === 0) return 'no other Active, Ready node';
  const reasons = [...new Set(refusals.map((refusal) => refusal.reason))];
  if (reasons.length === 1) return `no other node satisfies: ${reasons[0]}`;
  return refusals.map((refusal) => `${refusal.node}: ${refusal.reason}`).join('; ');
}

/**
 * Places the node's tasks one after another on the nodes that can take them (the first in the list, as a stand-in for
 * the scheduler's spread), so that several tasks do not all count on the same free capacity.
 */
function moveTask(task: DockerTask, service: DockerService, places: Placement[]): MovingTask {
  const refusals: { node: string; reason: string }[] = [];
  const candidates: Placement[] = [];
  for (const place of places) {
    const reason = refusalAt(place, service);
    if (reason === null) candidates.push(place);
    else refusals.push({ node: nameOf(place.node), reason });
  }
  const base = { task: task.ID, service: service.Spec.Name, slot: task.Slot ?? null };
  const chosen = candidates[0];
  if (!chosen) return { ...base, fits: false, candidates: [], reason: summarizeRefusals(refusals) };
  const reserved = serviceReservation(service);
  chosen.free.nanoCpus -= reserved.nanoCpus;
  chosen.free.memoryBytes -= reserved.memoryBytes;
  chosen.perService.set(service.ID, (chosen.perService.get(service.ID) ?? 0) + 1);
  return { ...base, fits: true, candidates: candidates.map((place) => nameOf(place.node)) };
}

export interface DrainSituation {
  nodes: readonly DockerNode[];
  services: readonly DockerService[];
  tasks: readonly DockerTask[];
  nodeId: string;
  availability: 'drain' | 'pause';
}

export function drainPlan({ nodes, services, tasks, nodeId, availability }: DrainSituation): DrainPlan {
  const node = nodes.find((candidate) => candidate.ID === nodeId);
  const byId = new Map(services.map((service) => [service.ID, service]));
  const live = tasks.filter(isLive);
  const onNode = live.filter((task) => task.NodeID === nodeId && byId.has(task.ServiceID));
  const manager = node?.Spec.Role === 'manager';
  const plan: DrainPlan = {
    node: { id: nodeId, name: node ? nameOf(node) : nodeId, role: node?.Spec.Role ?? 'unknown' },
    availability,
    tasks: [],
    unschedulable: [],
    stopping: [],
    staying: 0,
    quorum: null,
    quorumNote: manager
      ? `${availability === 'drain' ? 'draining' : 'pausing'} a manager does not change quorum: it stays a voting manager`
      : null,
  };
  if (availability === 'pause') {
    plan.staying = onNode.length;
    return plan;
  }
  const places = placementsOf(nodes, nodeId, live, byId);
  for (const task of onNode) {
    const service = byId.get(task.ServiceID);
    if (!service) continue;
    if (service.Spec.Mode?.Global !== undefined) {
      plan.stopping.push({
        task: task.ID,
        service: service.Spec.Name,
        reason: 'global service: its task here stops, it does not move',
      });
      continue;
    }
    const moved = moveTask(task, service, places);
    plan.tasks.push(moved);
    if (!moved.fits) {
      plan.unschedulable.push({
        task: moved.task,
        service: moved.service,
        slot: moved.slot,
        reason: moved.reason ?? '',
      });
    }
  }
  return plan;
}

/** The plan in one sentence, for the audit and for a person. */
export function drainSummary(plan: DrainPlan): string {
  if (plan.availability === 'pause') {
    return `would pause ${plan.node.name}: ${plan.staying} task(s) keep running there, no new task is scheduled on it`;
  }
  const moving = plan.tasks.filter((task) => task.fits).length;
  const parts = [`would drain ${plan.node.name}: ${moving} task(s) move elsewhere`];
  if (plan.unschedulable.length > 0) parts.push(`${plan.unschedulable.length} unschedulable`);
  if (plan.stopping.length > 0) parts.push(`${plan.stopping.length} global task(s) stop`);
  return parts.join(', ');
}
