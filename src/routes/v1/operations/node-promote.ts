// POST /v1/swarms/:swarm/nodes/:node/promote: make a worker a manager, quorum-guarded (admin).
import type { FastifyInstance } from 'fastify';
import { nodePromote } from '../../../operations/node-promote.ts';
import type { V1Context } from '../context.ts';
import { nodeRoleRoute } from './node-role.ts';

export default function nodePromoteRoute(app: FastifyInstance, context: V1Context): void {
  nodeRoleRoute(app, context, {
    verb: 'promote',
    operationId: 'promoteNode',
    summary: 'Promote a node to manager (`docker node promote`) (admin)',
    description:
      'A job that ends when the node is a reachable manager. 409 QUORUM_AT_RISK when the result would have ' +
      'an even number of managers (unless force) or could lose quorum (always).',
    operation: nodePromote,
  });
}
