// Processor of node.drain: sets the node to drain (once), then waits until no task runs on it, reporting progress.
// Resumed after a crash it finds the node drained already and only goes on waiting.
import type { DockerNode, DockerTask } from '../../docker/types.ts';
import { updateNodeSpec } from '../../docker/writes.ts';
import { jobTimeout } from '../../errors.ts';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from '../../operations/node-availability.ts';
import { requireClient, type Processor } from '../processor.ts';
import { withAvailability } from './node-availability.ts';
import { hostnameOf, listNodeTasks, requireNode, targetNodeId } from './node-target.ts';

const POLL_MS = 1000;

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

const tasks = (count: number) => `${count} ${count === 1 ? 'task' : 'tasks'}`;
const tasksLeft = (count: number) => `${tasks(count)} left`;

export const nodeDrainProcessor: Processor = async (context) => {
  const client = requireClient(context);
  const nodeId = targetNodeId(context);
  const swarmName = context.swarm?.name ?? '';
  const timeoutSeconds = Number(context.input.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS);
  // Measured from the job's first start, so a resumed drain does not get a fresh time-out.
  const startedAt = Date.parse(context.job.startedAt ?? '') || Date.now();
  const deadline = startedAt + timeoutSeconds * 1000;

  await requireNode(client, nodeId, swarmName);
  const { changed, object } = await updateNodeSpec(client, nodeId, (node) => withAvailability(node, 'drain'));
  const nodeName = hostnameOf(object);

  let node = await requireNode(client, nodeId, swarmName);
  const initial = runningTasks(await listNodeTasks(client, nodeId), node).length;
  // A resumed drain goes on from the progress its first attempt reported, so progress never goes back.
  const base = context.job.progress.step === 'draining' ? context.job.progress.percent : 0;
  const percentFor = (left: number) =>
    initial === 0 ? 100 : base + ((100 - base) * Math.max(0, initial - left)) / initial;
  let left = initial;
  await context.progress(percentFor(left), 'draining', tasksLeft(left));
  while (left > 0) {
    if (Date.now() >= deadline) {
      throw jobTimeout(
        `node ${nodeName} is set to drain, but ${tasks(left)} still running after ${timeoutSeconds} s: ` +
          'the swarm may have no room for them elsewhere (placement constraints, resources, other nodes paused or ' +
          'drained) or they are slow to stop; see `docker node ps` for the node, then drain again with a longer ' +
          'timeoutSeconds or make room',
        { nodeId, tasksLeft: left, timeoutSeconds },
      );
    }
    await context.sleep(POLL_MS);
    node = await requireNode(client, nodeId, swarmName);
    const now = runningTasks(await listNodeTasks(client, nodeId), node).length;
    if (now !== left) {
      left = now;
      await context.progress(percentFor(left), 'draining', tasksLeft(left));
    }
  }
  await context.progress(100, 'drained', tasksLeft(0));
  return {
    result: { availability: 'drain', changed, previous: object.Spec.Availability, tasksMoved: initial },
    target: { nodeName },
  };
};
