// Processor of node.labels.update: applies the additions and removals to the node's labels as they are now, with
// Docker's version (an out-of-sequence update is re-read and applied again), so no concurrent change is lost.
import { hostnameOf } from '../../docker/reads.ts';
import type { DockerNode } from '../../docker/types.ts';
import { updateNodeSpec } from '../../docker/writes.ts';
import { requireClient, type Processor } from '../processor.ts';
import type { LabelChange } from '../types.ts';
import { requireNode, targetNodeId } from './node-target.ts';

/** The labels after the change; null when they would not change (nothing is sent, so a replay changes nothing). */
export function applyLabelChange(
  labels: Readonly<Record<string, string>> | undefined,
  change: LabelChange,
): Record<string, string> | null {
  const next: Record<string, string> = { ...labels };
  for (const key of change.remove) delete next[key];
  for (const { key, value } of change.add) next[key] = value;
  const before = labels ?? {};
  const same =
    Object.keys(next).length === Object.keys(before).length &&
    Object.entries(next).every(([key, value]) => before[key] === value);
  return same ? null : next;
}

export const nodeLabelsProcessor: Processor<'node.labels.update'> = async (context) => {
  const client = requireClient(context);
  const nodeId = targetNodeId(context);
  await requireNode(client, nodeId, context.swarm?.name ?? '');
  const change: LabelChange = {
    add: context.input.add ?? [],
    remove: context.input.remove ?? [],
  };
  let after: Record<string, string> = {};
  const { changed, object } = await updateNodeSpec(client, nodeId, (node: DockerNode) => {
    const labels = applyLabelChange(node.Spec.Labels, change);
    after = labels ?? { ...node.Spec.Labels };
    return labels === null ? null : { ...node.Spec, Labels: labels };
  });
  return { result: { changed, labels: after }, target: { nodeName: hostnameOf(object) } };
};
