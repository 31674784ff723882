// POST /v1/swarms/:swarm/nodes/:node/promote: make a worker a manager, quorum-guarded (admin).
import type { FastifyInstance } from 'fastify';
import { nodePromote } from '../../../operations/node-promote.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { jobAcceptedResponses, nodeParams, problemResponses } from '../schemas.ts';
import { bodyOptional, nodeRoleBody, type NodeRoleBody } from './node-role-body.ts';

export default function promoteNodeRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; node: string }; Body: NodeRoleBody }>(
    '/swarms/:swarm/nodes/:node/promote',
    {
      schema: {
        operationId: 'promoteNode',
        tags: ['nodes'],
        summary: 'Promote a node to manager (`docker node promote`) (admin)',
        description:
          'A job that ends when the node is a reachable manager. 409 QUORUM_AT_RISK when the result would have ' +
          'an even number of managers (unless force) or could lose quorum (always).',
        params: nodeParams,
        body: nodeRoleBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await nodePromote(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
