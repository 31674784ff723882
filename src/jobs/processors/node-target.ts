// What the processors acting on one node share: the node the job acts on, as the request resolved it, a fresh read of
// it, and a bounded wait for a node of the swarm to reach a state.
import { findNode, listNodes } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerNode } from '../../docker/types.ts';
import { GatewayError } from '../../errors.ts';
import type { JobContext } from '../processor.ts';

const POLL_MS = 1000;

/**
 * The node's ID as the request resolved it. A hostname or prefix is not resolved again: by the time the job runs
 * (or resumes) it could name another node.
 */
export function targetNodeId(context: JobContext): string {
  const nodeId = context.job.target.nodeId;
  if (typeof nodeId !== 'string' || !nodeId) throw new Error(`job ${context.job.id} has no target node`);
  return nodeId;
}

/** The node, or NOT_FOUND saying it left the swarm since the request. */
export async function requireNode(
  client: SwarmClient,
  nodeId: string,
  swarmName: string,
): Promise<DockerNode> {
  const node = await findNode(client, nodeId);
  if (!node) {
    throw new GatewayError('NOT_FOUND', `node ${nodeId} is no longer in swarm "${swarmName}"`, { nodeId });
  }
  return node;
}

/**
 * Polls the swarm's node list until `done` holds for the node (undefined when not listed), reporting progress
 * between `from` and `to` percent; `onTimeout` builds the error after `timeoutMs`. Cancellable (context.sleep).
 */
export async function waitForNode(
  context: JobContext,
  client: SwarmClient,
  nodeId: string,
  wait: {
    done: (node: DockerNode | undefined) => boolean;
    step: string;
    describe: (node: DockerNode | undefined) => string;
    from: number;
    to: number;
    timeoutMs: number;
    onTimeout: (node: DockerNode | undefined) => GatewayError;
  },
): Promise<DockerNode | undefined> {
  const started = Date.now();
  let last: DockerNode | undefined;
  let lastMessage = '';
  for (;;) {
    try {
      last = (await listNodes(client)).find((node) => node.ID === nodeId);
      if (wait.done(last)) return last;
    } catch (error) {
      // A manager busy electing a leader answers nothing for a few seconds; the bound below still holds.
      if (!(error instanceof GatewayError) || error.code !== 'SWARM_UNREACHABLE') throw error;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= wait.timeoutMs) throw wait.onTimeout(last);
    const message = wait.describe(last);
    if (message !== lastMessage) {
      lastMessage = message;
      const share = Math.min(1, elapsed / wait.timeoutMs);
      await context.progress(wait.from + (wait.to - wait.from) * share, wait.step, message);
    }
    await context.sleep(POLL_MS);
  }
}
