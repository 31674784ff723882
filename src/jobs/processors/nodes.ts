// The nodes operations' processors, by job type.
import type { Processor } from '../processor.ts';
import { nodeActivateProcessor, nodePauseProcessor } from './node-availability.ts';
import { nodeDemoteProcessor } from './node-demote.ts';
import { nodeDrainProcessor } from './node-drain.ts';
import { nodeLabelsProcessor } from './node-labels.ts';
import { nodePromoteProcessor } from './node-promote.ts';
import { nodeRemoveProcessor } from './node-remove.ts';

export const NODE_PROCESSORS: Record<string, Processor> = {
  'node.activate': nodeActivateProcessor,
  'node.pause': nodePauseProcessor,
  'node.drain': nodeDrainProcessor,
  'node.promote': nodePromoteProcessor,
  'node.demote': nodeDemoteProcessor,
  'node.labels.update': nodeLabelsProcessor,
  'node.remove': nodeRemoveProcessor,
};
