// POST /v1/swarms/:swarm/nodes/:node/demote: make a manager a worker, quorum-guarded; needs a reason (admin).
import type { FastifyInstance } from 'fastify';
import { nodeDemote } from '../../../operations/node-demote.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { jobAcceptedResponses, nodeParams, problemResponses } from '../schemas.ts';
import { bodyOptional, nodeRoleBody, type NodeRoleBody } from './node-role-body.ts';

export default function demoteNodeRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; node: string }; Body: NodeRoleBody }>(
    '/swarms/:swarm/nodes/:node/demote',
    {
      schema: {
        operationId: 'demoteNode',
        tags: ['nodes'],
        summary: 'Demote a manager to worker (`docker node demote`) (admin, needs a reason)',
        description:
          'A job that ends when the node is a worker. 409 QUORUM_AT_RISK when it would lose quorum given the ' +
          'managers reachable now (even with force) or leave an even number of managers (unless force).',
        params: nodeParams,
        body: nodeRoleBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await nodeDemote(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
