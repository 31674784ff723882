// The processor of every job type. The record is typed by JobType: a type without its processor does not compile.
import type { Processor } from '../processor.ts';
import type { JobType } from '../types.ts';
import { nodeActivateProcessor, nodeDrainProcessor, nodePauseProcessor } from './node-availability.ts';
import { nodeDemoteProcessor } from './node-demote.ts';
import { nodeLabelsProcessor } from './node-labels.ts';
import { nodePromoteProcessor } from './node-promote.ts';
import { nodeRemoveProcessor } from './node-remove.ts';
import { configCreateProcessor } from './config-create.ts';
import { configRemoveProcessor } from './config-remove.ts';
import { networkCreateProcessor } from './network-create.ts';
import { networkRemoveProcessor } from './network-remove.ts';
import { secretCreateProcessor } from './secret-create.ts';
import { secretRemoveProcessor } from './secret-remove.ts';
import { secretRotateProcessor } from './secret-rotate.ts';
import { serviceCreateProcessor } from './service-create.ts';
import { serviceRemoveProcessor } from './service-remove.ts';
import { serviceRollbackProcessor } from './service-rollback.ts';
import { serviceScaleProcessor } from './service-scale.ts';
import { serviceUpdateProcessor } from './service-update.ts';
import { stackDeployProcessor } from './stack-deploy.ts';
import { stackRemoveProcessor } from './stack-remove.ts';
import { swarmInitProcessor } from './swarm-init.ts';
import { swarmJoinNodeProcessor } from './swarm-join-node.ts';
import { swarmLeaveProcessor } from './swarm-leave.ts';
import { swarmRotateJoinTokenProcessor } from './swarm-rotate-join-token.ts';
import { swarmMaintenanceProcessor } from './swarm-maintenance.ts';

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
  'stack.deploy': stackDeployProcessor,
  'stack.remove': stackRemoveProcessor,
  'network.create': networkCreateProcessor,
  'network.remove': networkRemoveProcessor,
  'secret.create': secretCreateProcessor,
  'secret.remove': secretRemoveProcessor,
  'secret.rotate': secretRotateProcessor,
  'config.create': configCreateProcessor,
  'config.remove': configRemoveProcessor,
  'swarm.maintenance': swarmMaintenanceProcessor,
};
