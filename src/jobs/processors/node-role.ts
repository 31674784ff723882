// Shared by node.promote and node.demote: check the quorum guard against the swarm as it is now, set the role
// (once), then wait until the node's manager status shows it.
import { hostnameOf, listNodes } from '../../docker/reads.ts';
import type { DockerNode } from '../../docker/types.ts';
import { updateNodeSpec } from '../../docker/writes.ts';
import { GatewayError, jobTimeout } from '../../errors.ts';
import { checkManagerGain, checkManagerLoss } from '../../domain/quorum-guard.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { requireNode, targetNodeId } from './node-target.ts';

const POLL_MS = 500;
const WAIT_SECONDS = 120;

type Role = DockerNode['Spec']['Role'];

/** Whether the node has become what was asked: a reachable raft member, or a worker outside the raft. */
const UNREACHABLE_RETRY_MS = 1000;

export function roleSettled(node: DockerNode, role: Role): boolean {
  if (node.Spec.Role !== role) return false;
  return role === 'manager' ? node.ManagerStatus?.Reachability === 'reachable' : !node.ManagerStatus;
}

function describeRole(node: DockerNode): string {
  if (!node.ManagerStatus)
    return `a ${node.Spec.Role === 'manager' ? 'manager not yet in the raft' : 'worker'}`;
  return `a manager that is ${node.ManagerStatus.Leader ? 'leader' : node.ManagerStatus.Reachability}`;
}

export async function changeRole(
  context: JobContext<'node.promote' | 'node.demote'>,
  role: Role,
): Promise<JobOutcomeOf<'node.promote' | 'node.demote'>> {
  const client = requireClient(context);
  const nodeId = targetNodeId(context);
  const swarmName = context.swarm?.name ?? '';
  const force = context.input.force === true;

  await context.progress(5, 'checking quorum', null);
  // Again, not only at request time: a manager may have gone down while the job was queued. A node that already
  // has the role (a resumed job) changes nothing and passes.
  const nodes = await listNodes(client);
  const guard =
    role === 'manager'
      ? checkManagerGain(nodes, nodeId, { force, swarmName })
      : checkManagerLoss(nodes, nodeId, { force, swarmName });

  await context.progress(20, role === 'manager' ? 'promoting' : 'demoting', null);
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  // Raft may take longer than one call's time-out to commit a role change right after another one (a manager
  // still catching up): the update is re-read and retried, and a change that did land is not sent again.
  const { changed, object } = await whileUnreachable(context, deadline, () =>
    updateNodeSpec(client, nodeId, (node) => (node.Spec.Role === role ? null : { ...node.Spec, Role: role })),
  );
  const nodeName = hostnameOf(object);

  const waiting = role === 'manager' ? 'waiting for a reachable manager' : 'waiting for a worker';
  await context.progress(50, waiting, `${nodeName} is ${describeRole(object)}`);
  let node = object;
  let last = describeRole(node);
  for (;;) {
    node = await whileUnreachable(context, deadline, () => requireNode(client, nodeId, swarmName));
    if (roleSettled(node, role)) break;
    if (node.Spec.Role !== role) {
      // Someone else changed the role back meanwhile: say so instead of waiting for something that will not come.
      throw new GatewayError(
        'CONFLICT',
        `the role of ${nodeName} was changed back to ${node.Spec.Role} while the job waited for it to become ${role}`,
        { nodeId },
      );
    }
    if (Date.now() >= deadline) {
      throw jobTimeout(
        `${nodeName} was set to ${role} but after ${WAIT_SECONDS} s it is still ${describeRole(node)}; ` +
          `see its engine's log and \`docker node inspect ${nodeName}\``,
        { nodeId, timeoutSeconds: WAIT_SECONDS },
      );
    }
    const now = describeRole(node);
    if (now !== last) {
      last = now;
      await context.progress(70, waiting, `${nodeName} is ${now}`);
    }
    await context.sleep(POLL_MS);
  }
  return {
    result: {
      role,
      changed,
      forced: guard.forced,
      // On a resumed job the role had changed already, and the guard's counts are those after the change.
      quorum: guard.after,
    },
    target: { nodeName },
  };
}

/** Runs `call` again while the swarm answers SWARM_UNREACHABLE (time-outs during raft changes), until `deadline`. */
async function whileUnreachable<T>(
  context: JobContext,
  deadline: number,
  call: () => Promise<T>,
): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'SWARM_UNREACHABLE' || Date.now() >= deadline)
        throw error;
      context.log.warn({ err: error }, 'swarm did not answer during a role change; retrying');
      await context.sleep(UNREACHABLE_RETRY_MS);
    }
  }
}
