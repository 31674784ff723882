// Where a task may run, as swarmkit's scheduler decides it: placement constraints, max replicas per node and
// reserved resources. Pure: plans (src/operations/plans.ts) evaluate a drain against a node list read once.
import type { DockerNode, DockerResourceReservations, DockerService } from '../../docker/types.ts';

/** One placement constraint as Docker parses it: `node.labels.zone==eu`, `node.role!=manager`... */
export interface Constraint {
  key: string;
  operator: '==' | '!=';
  value: string;
}

/** Parses a constraint; null when Docker would not accept it (no operator, an empty side). */
export function parseConstraint(text: string): Constraint | null {
  // `!=` first: `a!=b` also contains `=`; Docker looks for `==` and `!=` only.
  for (const operator of ['==', '!='] as const) {
    const cut = text.indexOf(operator);
    if (cut < 0) continue;
    const key = text.slice(0, cut).trim();
    const value = text.slice(cut + 2).trim();
    if (!key || !value) return null;
    return { key, operator, value };
  }
  return null;
}

/**
 * The values a constraint's key has on a node, as swarmkit reads them; null for a key it does not know (Docker refuses
 * such a service, so no node satisfies it here). A label the node lacks is "" (so `!=` holds, `==` does not).
 */
function valueOf(node: DockerNode, key: string): string | null {
  const lower = key.toLowerCase();
  if (lower === 'node.id') return node.ID;
  if (lower === 'node.hostname') return node.Description?.Hostname ?? '';
  if (lower === 'node.role') return node.Spec.Role;
  if (lower === 'node.platform.os') return node.Description?.Platform?.OS ?? '';
  if (lower === 'node.platform.arch') return node.Description?.Platform?.Architecture ?? '';
  // Label keys keep their case (only the prefix is Docker's).
  if (lower.startsWith('node.labels.')) return node.Spec.Labels?.[key.slice('node.labels.'.length)] ?? '';
  if (lower.startsWith('engine.labels.')) {
    return node.Description?.Engine?.Labels?.[key.slice('engine.labels.'.length)] ?? '';
  }
  return null;
}

/** True when the node satisfies the constraint; values compare case-insensitively, as swarmkit does. */
export function constraintHolds(node: DockerNode, constraint: Constraint): boolean {
  const value = valueOf(node, constraint.key);
  if (value === null) return false;
  const equal = value.toLowerCase() === constraint.value.toLowerCase();
  return constraint.operator === '==' ? equal : !equal;
}

/** The first of the constraints the node fails, as written, or null when it satisfies them all. */
export function failedConstraint(node: DockerNode, constraints: readonly string[]): string | null {
  for (const text of constraints) {
    const constraint = parseConstraint(text);
    if (!constraint || !constraintHolds(node, constraint)) return text;
  }
  return null;
}

/** CPU (nano CPUs) and memory (bytes). */
export interface Capacity {
  nanoCpus: number;
  memoryBytes: number;
}

export const reservationOf = (reservations: DockerResourceReservations | undefined): Capacity => ({
  nanoCpus: reservations?.NanoCPUs ?? 0,
  memoryBytes: reservations?.MemoryBytes ?? 0,
});

/** What a service reserves for each of its tasks. */
export const serviceReservation = (service: DockerService): Capacity =>
  reservationOf(service.Spec.TaskTemplate.Resources?.Reservations);

/** What a node offers in all (its engine's CPUs and memory). */
export const nodeCapacity = (node: DockerNode): Capacity => ({
  nanoCpus: node.Description?.Resources?.NanoCPUs ?? 0,
  memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0,
});

/** Why `need` does not fit in `free`, or null when it does. */
export function resourceShortfall(need: Capacity, free: Capacity): string | null {
  if (need.nanoCpus > free.nanoCpus) {
    return `needs ${need.nanoCpus / 1e9} CPUs reserved, ${Math.max(0, free.nanoCpus) / 1e9} free`;
  }
  if (need.memoryBytes > free.memoryBytes) {
    return `needs ${need.memoryBytes} bytes of memory reserved, ${Math.max(0, free.memoryBytes)} free`;
  }
  return null;
}

/** A node that may take new tasks: Active and Ready. */
export const isSchedulable = (node: DockerNode): boolean =>
  node.Spec.Availability === 'active' && node.Status.State === 'ready';
