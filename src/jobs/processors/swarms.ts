// The swarms operations' processors, by job type.
import { SWARM_INIT } from '../../operations/swarm-init.ts';
import { SWARM_JOIN_NODE } from '../../operations/swarm-join-node.ts';
import { SWARM_LEAVE } from '../../operations/swarm-leave.ts';
import { SWARM_ROTATE_JOIN_TOKEN } from '../../operations/swarm-rotate-join-token.ts';
import type { Processor } from '../processor.ts';
import { swarmInitProcessor } from './swarm-init.ts';
import { swarmJoinNodeProcessor } from './swarm-join-node.ts';
import { swarmLeaveProcessor } from './swarm-leave.ts';
import { swarmRotateJoinTokenProcessor } from './swarm-rotate-join-token.ts';

export const SWARM_PROCESSORS: Record<string, Processor> = {
  [SWARM_ROTATE_JOIN_TOKEN]: swarmRotateJoinTokenProcessor,
  [SWARM_JOIN_NODE]: swarmJoinNodeProcessor,
  [SWARM_LEAVE]: swarmLeaveProcessor,
  [SWARM_INIT]: swarmInitProcessor,
};
