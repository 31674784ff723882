// The swarm's nodes as a manager lists them right now (never a cached copy), and the node a reference names.
import type { DockerNode } from '../docker/types.ts';
import { resolveRef, type SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';

/** For checks that decide on quorum: a live listing, and the node `ref` names (ID, unique prefix or hostname). */
export async function liveNode(
  reads: SwarmReads,
  swarm: SwarmRecord,
  ref: string,
): Promise<{ nodes: DockerNode[]; node: DockerNode; target: { nodeId: string; nodeName: string } }> {
  const client = await reads.clientFor(swarm);
  const nodes = await client.call('node.list', (docker) => docker.listNodes() as Promise<DockerNode[]>);
  const node = resolveRef(
    nodes,
    ref,
    (n) => n.ID,
    (n) => n.Description?.Hostname ?? '',
    'node',
  );
  return { nodes, node, target: { nodeId: node.ID, nodeName: node.Description?.Hostname ?? node.ID } };
}
