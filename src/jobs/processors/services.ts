// The services operations' processors, by job type.
import type { Processor } from '../processor.ts';

export const SERVICE_PROCESSORS: Record<string, Processor> = {};
