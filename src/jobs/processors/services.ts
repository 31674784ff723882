// The services operations' processors, by job type.
import type { Processor } from '../processor.ts';
import { serviceCreateProcessor } from './service-create.ts';
import { serviceRemoveProcessor } from './service-remove.ts';
import { serviceRollbackProcessor } from './service-rollback.ts';
import { serviceScaleProcessor } from './service-scale.ts';
import { serviceUpdateProcessor } from './service-update.ts';

export const SERVICE_PROCESSORS: Record<string, Processor> = {
  'service.create': serviceCreateProcessor,
  'service.scale': serviceScaleProcessor,
  'service.update': serviceUpdateProcessor,
  'service.rollback': serviceRollbackProcessor,
  'service.remove': serviceRemoveProcessor,
};
