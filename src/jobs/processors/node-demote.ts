// Processor of node.demote: quorum guard again, Role worker (once), done when the node has left the raft.
import type { Processor } from '../processor.ts';
import { changeRole } from './node-role.ts';

export const nodeDemoteProcessor: Processor<'node.demote'> = (context) => changeRole(context, 'worker');
