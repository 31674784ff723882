// Processor of node.activate and node.pause: sets the availability (nothing if it is already so).
import { updateNodeSpec } from '../../docker/writes.ts';
import type { DockerNode } from '../../docker/types.ts';
import { requireClient, type Processor } from '../processor.ts';
import { hostnameOf, requireNode, targetNodeId } from './node-target.ts';

type Availability = DockerNode['Spec']['Availability'];

/** The spec with this availability, or null when the node already has it (so nothing is sent: idempotent). */
export function withAvailability(node: DockerNode, availability: Availability): DockerNode['Spec'] | null {
  return node.Spec.Availability === availability ? null : { ...node.Spec, Availability: availability };
}

function availabilityProcessor(availability: Availability): Processor {
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

export const nodeActivateProcessor = availabilityProcessor('active');
export const nodePauseProcessor = availabilityProcessor('pause');
