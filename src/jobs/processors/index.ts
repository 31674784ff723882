// The processors by job type (the operation's audit action), gathered from each domain's table.
import type { Processor } from '../processor.ts';
import { NODE_PROCESSORS } from './nodes.ts';
import { SERVICE_PROCESSORS } from './services.ts';
import { SWARM_PROCESSORS } from './swarms.ts';

export const PROCESSORS: ReadonlyMap<string, Processor> = new Map(
  Object.entries({ ...SWARM_PROCESSORS, ...NODE_PROCESSORS, ...SERVICE_PROCESSORS }),
);
