// The swarms operations' processors, by job type.
import { INIT_SWARM } from '../../operations/init-swarm.ts';
import { JOIN_NODE } from '../../operations/join-node.ts';
import { LEAVE_SWARM } from '../../operations/leave-swarm.ts';
import { ROTATE_JOIN_TOKEN } from '../../operations/rotate-join-token.ts';
import type { Processor } from '../processor.ts';
import { initSwarmProcessor } from './swarm-init.ts';
import { joinNodeProcessor } from './swarm-join-node.ts';
import { leaveSwarmProcessor } from './swarm-leave.ts';
import { rotateJoinTokenProcessor } from './swarm-rotate-join-token.ts';

export const SWARM_PROCESSORS: Record<string, Processor> = {
  [ROTATE_JOIN_TOKEN]: rotateJoinTokenProcessor,
  [JOIN_NODE]: joinNodeProcessor,
  [LEAVE_SWARM]: leaveSwarmProcessor,
  [INIT_SWARM]: initSwarmProcessor,
};
