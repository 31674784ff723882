// What the node processors share: the node the job acts on (resolved at request time) and fresh reads of it.
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerNode, DockerTask } from '../../docker/types.ts';
import { dockerStatus } from '../../docker/errors.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
import type { JobContext } from '../processor.ts';

/**
 * The node's ID as the request resolved it. A hostname or prefix is not resolved again: by the time the job runs
 * (or resumes) it could name another node.
 */
export function targetNodeId(context: JobContext): string {
  const nodeId = context.job.target.nodeId;
  if (typeof nodeId !== 'string' || !nodeId) throw new Error(`job ${context.job.id} has no target node`);
  return nodeId;
}

/** The node as the swarm sees it now; null when it is gone. */
export async function inspectNode(client: SwarmClient, nodeId: string): Promise<DockerNode | null> {
  try {
    return await client.call(
      'node.inspect',
      (docker) => docker.getNode(nodeId).inspect() as Promise<DockerNode>,
    );
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The node, or NOT_FOUND saying it left the swarm since the request. */
export async function requireNode(
  client: SwarmClient,
  nodeId: string,
  swarmName: string,
): Promise<DockerNode> {
  const node = await inspectNode(client, nodeId);
  if (!node) {
    throw new GatewayError('NOT_FOUND', `node ${nodeId} is no longer in swarm "${swarmName}"`, { nodeId });
  }
  return node;
}

export function listNodes(client: SwarmClient): Promise<DockerNode[]> {
  return client.call('node.list', (docker) => docker.listNodes() as Promise<DockerNode[]>);
}

export function listNodeTasks(client: SwarmClient, nodeId: string): Promise<DockerTask[]> {
  return client.call(
    'task.list',
    (docker) => docker.listTasks({ filters: { node: [nodeId] } }) as Promise<DockerTask[]>,
  );
}

export function isNotFound(error: unknown): boolean {
  return isGatewayError(error) ? error.code === 'NOT_FOUND' : dockerStatus(error) === 404;
}

export const hostnameOf = (node: DockerNode) => node.Description?.Hostname ?? node.ID;
