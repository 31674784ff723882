// The drain rules, shared by the request and the job: how long a drain may wait, and which tasks still count as
// running on a node being drained.
import type { DockerNode, DockerTask } from '../docker/types.ts';

export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;
export const MAX_DRAIN_TIMEOUT_SECONDS = 24 * 3600;

/**
 * Tasks that still run on the node: desired running, or still running while being shut down. On a Down node the
 * containers cannot be seen to stop (its tasks stay "running" until it comes back), so only tasks still desired
 * running count there; the swarm has already started their replacements elsewhere.
 */
export function runningTasks(tasks: readonly DockerTask[], node: DockerNode): DockerTask[] {
  const down = node.Status.State === 'down';
  return tasks.filter(
    (task) => task.DesiredState === 'running' || (!down && task.Status.State === 'running'),
  );
}

/**
 * The spec with this availability, or null when the node already has it (so nothing is sent: idempotent). Drain
 * and maintenance both set availability through it.
 */
export function withAvailability(
  node: DockerNode,
  availability: DockerNode['Spec']['Availability'],
): DockerNode['Spec'] | null {
  return node.Spec.Availability === availability ? null : { ...node.Spec, Availability: availability };
}
