// Processors of node.activate, node.pause and node.drain. Activate and pause set the availability (nothing if it is
// already so). Drain sets it (once), then waits until no task runs on the node, reporting progress; resumed after a
// crash it finds the node drained already and only goes on waiting.
import { hostnameOf, listNodeTasks } from '../../docker/reads.ts';
import { updateNodeSpec } from '../../docker/writes.ts';
import type { DockerNode } from '../../docker/types.ts';
import {
  DEFAULT_DRAIN_TIMEOUT_SECONDS,
  runningTasks,
  withAvailability,
} from '../../domain/node-availability.ts';
import { jobTimeout } from '../../errors.ts';
import { requireClient, type Processor } from '../processor.ts';
import { requireNode, targetNodeId } from './node-target.ts';

type Availability = DockerNode['Spec']['Availability'];

function availabilityProcessor<T extends 'node.activate' | 'node.pause'>(
  availability: Availability,
): Processor<T> {
  return async (context) => {
    const client = requireClient(context);
    const nodeId = targetNodeId(context);
    await requireNode(client, nodeId, context.swarm?.name ?? '');
    const { changed, object } = await updateNodeSpec(client, nodeId, (node) =>
      withAvailability(node, availability),
    );
    return {
      result: { availability, changed, previous: object.Spec.Availability },
      target: { nodeName: hostnameOf(object) },
    };
  };
}

export const nodeActivateProcessor = availabilityProcessor<'node.activate'>('active');
export const nodePauseProcessor = availabilityProcessor<'node.pause'>('pause');

const POLL_MS = 1000;

const tasks = (count: number) => `${count} ${count === 1 ? 'task' : 'tasks'}`;
const tasksLeft = (count: number) => `${tasks(count)} left`;

export const nodeDrainProcessor: Processor<'node.drain'> = async (context) => {
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
