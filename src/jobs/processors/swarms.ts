// The swarms operations' processors, by job type.
import type { Processor } from '../processor.ts';

export const SWARM_PROCESSORS: Record<string, Processor> = {};
