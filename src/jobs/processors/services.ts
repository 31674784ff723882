// The services operations' processors, by job type.
import type { Processor } from '../processor.ts';
import { createServiceProcessor } from './service-create.ts';
import { removeServiceProcessor } from './service-remove.ts';
import { rollbackServiceProcessor } from './service-rollback.ts';
import { scaleServiceProcessor } from './service-scale.ts';
import { updateServiceProcessor } from './service-update.ts';

export const SERVICE_PROCESSORS: Record<string, Processor> = {
  'service.create': createServiceProcessor,
  'service.scale': scaleServiceProcessor,
  'service.update': updateServiceProcessor,
  'service.rollback': rollbackServiceProcessor,
  'service.remove': removeServiceProcessor,
};
