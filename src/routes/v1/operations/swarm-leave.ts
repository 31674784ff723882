// POST /v1/swarms/:swarm/nodes/:node/leave: make the node's own engine leave the swarm (admin), as a job.
import type { FastifyInstance } from 'fastify';
import { swarmLeave, type SwarmLeaveInput } from '../../../operations/swarm-leave.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { nodeJobResponses, nodeParams } from '../schemas.ts';
import { endpointBody, refuseInvalidBody } from './swarm-schemas.ts';

type Body = Omit<SwarmLeaveInput, 'swarm' | 'node'>;

export default function swarmLeaveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; node: string }; Body: Body }>(
    '/swarms/:swarm/nodes/:node/leave',
    {
      attachValidation: true,
      schema: {
        operationId: 'leaveSwarm',
        tags: ['nodes'],
        summary: "Make a node's engine leave the swarm (admin)",
        description:
          'A job that ends when the swarm shows the node Down; remove it afterwards with node removal. A ' +
          'manager leaves only with force: true, and never when that would lose quorum (QUORUM_AT_RISK).',
        params: nodeParams,
        body: endpointBody({
          force: { type: 'boolean', default: false, description: 'Needed for a manager' },
        }),
        response: nodeJobResponses(),
      },
    },
    async (request, reply) => {
      await refuseInvalidBody(request, deps);
      const job = await swarmLeave(deps, operationOf(request), {
        ...request.body,
        swarm: request.params.swarm,
        node: request.params.node,
      });
      return replyWithJob(reply, job);
    },
  );
}
