// Processor of node.remove: `docker node rm`, after checking again that the node may go. A node already gone
// (removed by an earlier attempt of this job, or by someone else) is a success: the swarm is as asked.
import { isNotFound } from '../../docker/errors.ts';
import { findNode, hostnameOf, listNodes } from '../../docker/reads.ts';
import { removeNode as removeSwarmNode } from '../../docker/writes.ts';
import { removalRefusal } from '../../domain/node-removal.ts';
import { requireClient, type Processor } from '../processor.ts';
import { targetNodeId } from './node-target.ts';

export const nodeRemoveProcessor: Processor<'node.remove'> = async (context) => {
  const client = requireClient(context);
  const nodeId = targetNodeId(context);
  const force = context.input.force === true;
  const node = await findNode(client, nodeId);
  if (!node) return { result: { removed: false, alreadyGone: true } };
  const refusal = removalRefusal(await listNodes(client), node, force, context.swarm?.name ?? '');
  if (refusal) throw refusal;
  try {
    await removeSwarmNode(client, nodeId, force);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { result: { removed: false, alreadyGone: true }, target: { nodeName: hostnameOf(node) } };
  }
  return {
    result: { removed: true, alreadyGone: false, state: node.Status.State },
    target: { nodeName: hostnameOf(node) },
  };
};
