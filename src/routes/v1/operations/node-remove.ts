// DELETE /v1/swarms/:swarm/nodes/:node?force=&reason=: `docker node rm` as a job; needs a reason (admin).
import type { FastifyInstance } from 'fastify';
import { nodeRemove } from '../../../operations/node-remove.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, dryRunProperty, nodeJobResponses, nodeParams } from '../schemas.ts';

interface Query {
  force?: boolean;
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export default function nodeRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; node: string }; Querystring: Query }>(
    '/swarms/:swarm/nodes/:node',
    {
      schema: {
        operationId: 'removeNode',
        tags: ['nodes'],
        summary: 'Remove a node from the swarm (`docker node rm`) (admin, needs a reason)',
        description:
          '409 CONFLICT for a node that is not Down (make it leave the swarm first) unless force=true, and for a ' +
          'manager (demote it first); 409 QUORUM_AT_RISK when removing a manager would lose quorum. A node ' +
          'already gone is a success.',
        params: nodeParams,
        querystring: closedObject({
          force: {
            type: 'boolean',
            default: false,
            description: 'Remove a node that is not Down; never a manager',
          },
          reason: { type: 'string', description: 'Required: why, for the audit log' },
          idempotencyKey: {
            type: 'string',
            description: 'The same key and input again answers with the same job',
          },
          dryRun: dryRunProperty,
        }),
        response: nodeJobResponses(),
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await nodeRemove(deps, operationOf(request), { ...request.query, ...request.params }),
      ),
  );
}
