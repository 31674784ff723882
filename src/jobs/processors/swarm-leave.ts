// Processor of swarm.leave: checks that the endpoint is the node's own engine, makes it leave, and waits until the
// swarm shows the node Down (it stays listed until removeNode).
import { ENGINE_CALL_MS, engineOf } from '../../docker/engine.ts';
import { dockerMessage, dockerStatus, engineFailureCause, engineFailureText } from '../../docker/errors.ts';
import { engineInfo, hostnameOf, listNodes } from '../../docker/reads.ts';
import { engine as engineCalls } from '../../docker/writes.ts';
import { badInput, GatewayError, jobTimeout } from '../../errors.ts';
import { proveEngine } from '../../domain/swarm-membership.ts';
import { checkManagerLoss } from '../../domain/quorum-guard.ts';
import { withTimeout } from '../../util/timeout.ts';
import { requireClient, type Processor } from '../processor.ts';
import { waitForNode } from './node-target.ts';

const LEAVE_STEP = 'leave';
const DOWN_STEP = 'wait-down';
/** A node that left says goodbye to the dispatcher; Down follows within a heartbeat or two. */
const DOWN_TIMEOUT_MS = 60_000;

export const swarmLeaveProcessor: Processor<'swarm.leave'> = async (context) => {
  const client = requireClient(context);
  const swarm = context.swarm!;
  const input = context.input;
  const nodeId = String(context.job.target.nodeId);
  const engine = engineOf(input.endpoint, context.job.requestedBy.roles);
  const resumed = [LEAVE_STEP, DOWN_STEP].includes(context.job.progress.step ?? '');

  // A resumed run keeps the step it found: should it crash too, the next run must still know how far it got.
  if (!resumed) await context.progress(5, 'inspect-engine', `asking ${engine.url} which node it is`);
  const info = await engineInfo(engine, context.deps.dockerTimeoutMs);
  const nodes = await listNodes(client);
  const node = nodes.find((candidate) => candidate.ID === nodeId);
  const nodeName = hostnameOf(node, String(context.job.target.nodeName ?? nodeId));
  const outcome = { result: { nodeId, nodeName }, target: { nodeId, nodeName } };
  if (!node) {
    if (resumed) return outcome; // left, and removed since: nothing left to wait for
    throw new GatewayError('NOT_FOUND', `node ${nodeName} is no longer in swarm "${swarm.name}"`);
  }

  const state = info.Swarm.LocalNodeState || 'inactive';
  if (state === 'inactive') {
    // Already left (a resumed job, or someone at the engine); otherwise the endpoint is not this node's engine.
    if (!resumed && node.Status.State !== 'down') {
      throw badInput(
        `the engine at ${engine.url} is in no swarm, yet node ${nodeName} is ${node.Status.State}: ` +
          `give the endpoint of ${nodeName}'s own engine`,
      );
    }
  } else {
    // Proved again now (the request's proof may be old): the engine's own account of its swarm, then its node id.
    proveEngine(info, swarm, engine.url);
    if (info.Swarm.NodeID !== nodeId) {
      throw badInput(
        `the engine at ${engine.url} is not ${nodeName}: give the endpoint of ${nodeName}'s own engine`,
      );
    }
  }
  if (state !== 'inactive') {
    if (node.Spec.Role === 'manager') {
      // Checked again now: managers may have gone away since the request was accepted.
      checkManagerLoss(nodes, nodeId, { force: input.force, verb: 'leaving', swarmName: swarm.name });
    }
    await context.progress(30, LEAVE_STEP, `${nodeName} leaves swarm "${swarm.name}"`);
    try {
      await withTimeout(
        engineCalls.leave(engine.docker, input.force),
        ENGINE_CALL_MS,
        `${engine.url} (swarm.leave)`,
      );
    } catch (error) {
      // Docker's words pick the case only: they are the engine's, never quoted.
      if (!/not part of a swarm/i.test(dockerMessage(error))) {
        const answered = engineFailureCause(error) === 'refused';
        throw new GatewayError(
          answered ? (dockerStatus(error) === 503 ? 'CONFLICT' : 'INTERNAL') : 'SWARM_UNREACHABLE',
          answered && dockerStatus(error) === 503
            ? `${nodeName} (${engine.url}) did not leave: its engine refused (HTTP 503: a manager whose leave would ` +
                'lose the quorum, or a swarm without a leader); check the swarm, then retry'
            : `${nodeName} did not leave: ${engineFailureText(engine.url, error)}`,
          { engine: engine.url },
        );
      }
    }
  }

  await context.progress(60, DOWN_STEP, `waiting until swarm "${swarm.name}" shows ${nodeName} Down`);
  await waitForNode(context, client, nodeId, {
    done: (listed) => !listed || listed.Status.State === 'down',
    step: DOWN_STEP,
    describe: (listed) => `${nodeName} is ${listed?.Status.State ?? 'gone'}`,
    from: 60,
    to: 95,
    timeoutMs: DOWN_TIMEOUT_MS,
    onTimeout: (listed) =>
      jobTimeout(
        `${nodeName} left, but swarm "${swarm.name}" still shows it ${listed?.Status.State ?? 'unknown'} after ` +
          `${DOWN_TIMEOUT_MS / 1000} s`,
      ),
  });
  return outcome;
};
