// The nodes operations' processors, by job type.
import type { Processor } from '../processor.ts';

export const NODE_PROCESSORS: Record<string, Processor> = {};
