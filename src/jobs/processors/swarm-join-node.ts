// Processor of swarm.join: checks the joining engine, fetches the role's token from a manager, calls the engine's
// join, and waits until the swarm lists the node Ready. Known failures map to JOIN_TIMEOUT and ALREADY_IN_SWARM.
import type { DockerInfo, DockerNode } from '../../docker/types.ts';
import { ENGINE_CALL_MS, engineOf, type Engine } from '../../docker/engine.ts';
import { membershipOf, clusterOf } from '../../docker/engine-proof.ts';
import { alreadyInSwarmError, engineFailureShort, joinFailure } from '../../docker/errors.ts';
import { engineInfo, hostnameOf, inspectSwarm, listNodes } from '../../docker/reads.ts';
import { engine as engineCalls } from '../../docker/writes.ts';
import { GatewayError } from '../../errors.ts';
import type { SwarmRecord } from '../../registry/repository.ts';
import { withTimeout } from '../../util/timeout.ts';
import { requireClient, type JobContext, type Processor } from '../processor.ts';
import type { SwarmJoinNodeJobInput } from '../types.ts';
import { waitForNode } from './node-target.ts';

const JOIN_STEP = 'join';
const READY_STEP = 'wait-ready';
/** From the join to Ready takes seconds (the node's first heartbeat); a minute means something is wrong. */
const READY_TIMEOUT_MS = 60_000;
const DEFAULT_LISTEN = '0.0.0.0:2377';

/** Addresses a joining node can reach managers at (host:2377), reachable ones first. */
function managerAddresses(nodes: readonly DockerNode[]): string[] {
  const managers = nodes.filter((node) => node.ManagerStatus?.Addr);
  const reachable = managers.filter((node) => node.ManagerStatus?.Reachability === 'reachable');
  const others = managers.filter((node) => node.ManagerStatus?.Reachability !== 'reachable');
  return [...reachable, ...others].map((node) => node.ManagerStatus!.Addr!);
}

export const swarmJoinNodeProcessor: Processor<'swarm.join'> = async (context) => {
  const client = requireClient(context);
  const swarm = context.swarm!;
  const input = context.input;
  const engine = engineOf(input.endpoint, context.job.requestedBy.roles);
  const timeoutMs = context.deps.dockerTimeoutMs;
  // Only a run of this job that got as far as calling join may find the engine in this swarm and carry on.
  const resumed = [JOIN_STEP, READY_STEP].includes(context.job.progress.step ?? '');

  // A resumed run keeps the step it found: should it crash too, the next run must still know how far it got.
  if (!resumed) await context.progress(5, 'inspect-engine', `asking ${engine.url} whether it is in a swarm`);
  const info = await engineInfo(engine, timeoutMs);
  const nodes = await listNodes(client);
  const state = info.Swarm.LocalNodeState || 'inactive';
  // A node of this swarm only when the engine itself shows it (its cluster, or its managers) and no other registration
  // holds that cluster: the swarm's node list alone could list any engine's node id.
  const member = (await isOurNode(context, info, swarm))
    ? nodes.find((node) => node.ID === info.Swarm.NodeID)
    : undefined;
  let nodeId: string;
  if (resumed && state === 'active' && member) {
    nodeId = member.ID;
  } else {
    if (resumed && (state === 'pending' || state === 'error')) {
      // This job's own join was cut short by a crash: Docker keeps trying in the background until told to stop.
      await abandonJoin(context, engine);
    } else if (state !== 'inactive') {
      throw alreadyInSwarm(engine, info, member, swarm);
    }
    nodeId = await join(context, engine, swarm, nodes, input);
  }
  // Known from here on, also to a JOIN_TIMEOUT waiting for Ready below.
  await context.learnTarget({ nodeId });

  await context.progress(60, READY_STEP, `waiting until node ${nodeId} is Ready in swarm "${swarm.name}"`);
  const node = await waitForNode(context, client, nodeId, {
    done: (node) => node?.Status.State === 'ready',
    step: READY_STEP,
    describe: (node) => `node ${nodeId} is ${node?.Status.State ?? 'not listed yet'}`,
    from: 60,
    to: 95,
    timeoutMs: READY_TIMEOUT_MS,
    onTimeout: (node) =>
      new GatewayError(
        'JOIN_TIMEOUT',
        `${engine.url} joined swarm "${swarm.name}" as node ${nodeId}, but the node is still ` +
          `${node?.Status.State ?? 'not listed'} after ${READY_TIMEOUT_MS / 1000} s` +
          `${node?.Status.Message ? ` (${node.Status.Message})` : ''}: check that TCP and UDP 7946 and UDP 4789 ` +
          'are open between the nodes',
      ),
  });
  const nodeName = hostnameOf(node, nodeId);
  // afterJoin: the token that let this node in is rotated by the schedule, as its own job (idempotent by this job's id,
  // so a run of this job again after a crash starts no second one); it never fails the join.
  await context.deps.onJoined?.(context.job, input.role);
  return { result: { nodeId, nodeName, role: input.role }, target: { nodeId, nodeName } };
};

/** Calls the engine's join with the role's current token; returns the node ID the engine got. */
async function join(
  context: JobContext,
  engine: Engine,
  swarm: SwarmRecord,
  nodes: DockerNode[],
  input: SwarmJoinNodeJobInput,
): Promise<string> {
  const client = requireClient(context);
  const managers = managerAddresses(nodes);
  if (managers.length === 0) {
    throw new GatewayError(
      'SWARM_UNREACHABLE',
      `swarm "${swarm.name}" lists no manager address to join through`,
    );
  }
  // Fetched at the last moment and kept in this function only: the token is never logged, stored or returned.
  const inspected = await inspectSwarm(client);
  const token = input.role === 'manager' ? inspected.JoinTokens?.Manager : inspected.JoinTokens?.Worker;
  if (!token)
    throw new GatewayError('INTERNAL', `swarm "${swarm.name}" did not give a ${input.role} join token`);

  await context.progress(
    25,
    JOIN_STEP,
    `${engine.url} joins swarm "${swarm.name}" as a ${input.role} through ${managers.join(', ')}`,
  );
  const advertise = input.advertiseAddress ?? engine.ip;
  try {
    await withTimeout(
      engineCalls.join(engine.docker, {
        ListenAddr: input.listenAddress ?? DEFAULT_LISTEN,
        ...(advertise ? { AdvertiseAddr: advertise } : {}),
        RemoteAddrs: managers,
        JoinToken: token,
      }),
      ENGINE_CALL_MS,
      `${engine.url} (swarm.join)`,
    );
  } catch (error) {
    const failure = joinFailure(error, { engine: engine.url, swarm: swarm.name, managers });
    // ALREADY_IN_SWARM here means someone else joined it meanwhile: not ours to undo.
    if (failure.code === 'ALREADY_IN_SWARM') throw failure;
    const left = await abandonJoin(context, engine);
    throw new GatewayError(
      failure.code,
      `${failure.message} ${
        left
          ? 'The engine stopped trying (`docker swarm leave --force`), so the join can be retried.'
          : `The engine may still be trying: run \`docker swarm leave --force\` on it before retrying.`
      }`,
      failure.details ? { ...failure.details } : undefined,
      { cause: failure.cause ?? error },
    );
  }
  const joined = await engineInfo(engine, context.deps.dockerTimeoutMs);
  if (!joined.Swarm.NodeID) {
    throw new GatewayError('INTERNAL', `${engine.url} accepted the join but reports no node ID`);
  }
  return joined.Swarm.NodeID;
}

/**
 * After a failed join Docker keeps trying in the background and refuses any new join until the engine leaves:
 * `swarm leave --force` returns it to "inactive". False when even that failed.
 */
async function abandonJoin(context: JobContext, engine: Engine): Promise<boolean> {
  try {
    await withTimeout(engineCalls.leave(engine.docker, true), ENGINE_CALL_MS, `${engine.url} (swarm.leave)`);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not part of a swarm/i.test(message)) return true;
    // The engine's own words stay out of the log: the cause says enough.
    context.log.warn(
      { engine: engine.url, problem: engineFailureShort(error) },
      'could not make the engine abandon its failed join',
    );
    return false;
  }
}

/** True when the engine is a node of this swarm by its own account, and of no other registration's cluster. */
async function isOurNode(context: JobContext, info: DockerInfo, swarm: SwarmRecord): Promise<boolean> {
  if (info.Swarm.LocalNodeState !== 'active' || membershipOf(info, swarm) !== 'member') return false;
  const cluster = clusterOf(info);
  const owner = await context.deps.registry.findClusterOwner(cluster.clusterId, cluster.managerNodeIds);
  return owner === null || owner.swarmId === swarm.id;
}

/**
 * Why the engine cannot join. Of this swarm's own node it says which; of any other swarm it says nothing (the same
 * words whether another tenant registered that swarm or nobody did: alreadyInSwarmError).
 */
function alreadyInSwarm(
  engine: Engine,
  info: DockerInfo,
  member: DockerNode | undefined,
  swarm: SwarmRecord,
): GatewayError {
  const state = info.Swarm.LocalNodeState;
  const leave = '`docker swarm leave` on that engine, or the leaveSwarm operation';
  let message: string;
  if (member) {
    const role = member.Spec.Role;
    message =
      `engine ${engine.url} is already part of swarm "${swarm.name}": it is node ${member.ID} ` +
      `(${hostnameOf(member, member.ID)}, a ${role}), so there is nothing to join. ` +
      `${role === 'worker' ? 'To make it a manager, promote it; to ' : 'To '}join it again, leave first (${leave}).`;
  } else if (state === 'pending') {
    message =
      `engine ${engine.url} has a swarm join in progress (state pending); if it is stuck, run ` +
      '`docker swarm leave --force` on that engine first, then join again';
  } else if (state === 'locked') {
    message = `engine ${engine.url} is part of a locked swarm (autolock): unlock it or leave it first (${leave})`;
  } else {
    return alreadyInSwarmError(engine.url);
  }
  return new GatewayError('ALREADY_IN_SWARM', message, { engine: engine.url, state });
}
