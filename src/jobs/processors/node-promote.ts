// Processor of node.promote: quorum guard again, Role manager (once), done when the node is a reachable manager.
import type { Processor } from '../processor.ts';
import { changeRole } from './node-role.ts';

export const nodePromoteProcessor: Processor<'node.promote'> = (context) => changeRole(context, 'manager');
