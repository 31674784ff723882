// The nodes operations' processors, by job type.
import type { Processor } from '../processor.ts';
import { activateNode, pauseNode } from './node-availability.ts';
import { demoteNode } from './node-demote.ts';
import { drainNode } from './node-drain.ts';
import { updateNodeLabels } from './node-labels.ts';
import { promoteNode } from './node-promote.ts';
import { removeNode } from './node-remove.ts';

export const NODE_PROCESSORS: Record<string, Processor> = {
  'node.activate': activateNode,
  'node.pause': pauseNode,
  'node.drain': drainNode,
  'node.promote': promoteNode,
  'node.demote': demoteNode,
  'node.labels.update': updateNodeLabels,
  'node.remove': removeNode,
};
