// POST /v1/swarms/:swarm/nodes/:node/demote: make a manager a worker, quorum-guarded; needs a reason (admin).
import type { FastifyInstance } from 'fastify';
import { nodeDemote } from '../../../operations/node-demote.ts';
import type { V1Context } from '../context.ts';
import { nodeRoleRoute } from './node-role.ts';

export default function nodeDemoteRoute(app: FastifyInstance, context: V1Context): void {
  nodeRoleRoute(app, context, {
    verb: 'demote',
    operationId: 'demoteNode',
    summary: 'Demote a manager to worker (`docker node demote`) (admin, needs a reason)',
    description:
      'A job that ends when the node is a worker. 409 QUORUM_AT_RISK when it would lose quorum given the ' +
      'managers reachable now (even with force) or leave an even number of managers (unless force).',
    operation: nodeDemote,
  });
}
