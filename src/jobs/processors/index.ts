// The processor of every job type. The record is typed by JobType: a type without its processor does not compile.
import type { Processor } from '../processor.ts';
import type { JobType } from '../types.ts';
import { nodeActivateProcessor, nodeDrainProcessor, nodePauseProcessor } from './node-availability.ts';
import { nodeDemoteProcessor } from './node-demote.ts';
import { nodeLabelsProcessor } from './node-labels.ts';
import { nodePromoteProcessor } from './node-promote.ts';
import { nodeRemoveProcessor } from './node-remove.ts';
import { serviceCreateProcessor } from './service-create.ts';
import { serviceRemoveProcessor } from './service-remove.ts';
import { serviceRollbackProcessor } from './service-rollback.ts';
import { serviceScaleProcessor } from './service-scale.ts';
import { serviceUpdateProcessor } from './service-update.ts';
import { swarmInitProcessor } from './swarm-init.ts';
import { swarmJoinNodeProcessor } from './swarm-join-node.ts';
import { swarmLeaveProcessor } from './swarm-leave.ts';
import { swarmRotateJoinTokenProcessor } from './swarm-rotate-join-token.ts';

export type Processors = { readonly [T in JobType]: Processor<T> };

export const PROCESSORS: Processors = {
  'swarm.init': swarmInitProcessor,
  'swarm.join': swarmJoinNodeProcessor,
  'swarm.leave': swarmLeaveProcessor,
  'swarm.joinToken.rotate': swarmRotateJoinTokenProcessor,
  'node.activate': nodeActivateProcessor,
  'node.pause': nodePauseProcessor,
  'node.drain': nodeDrainProcessor,
  'node.promote': nodePromoteProcessor,
  'node.demote': nodeDemoteProcessor,
  'node.labels.update': nodeLabelsProcessor,
  'node.remove': nodeRemoveProcessor,
  'service.create': serviceCreateProcessor,
  'service.update': serviceUpdateProcessor,
  'service.scale': serviceScaleProcessor,
  'service.rollback': serviceRollbackProcessor,
  'service.remove': serviceRemoveProcessor,
};
