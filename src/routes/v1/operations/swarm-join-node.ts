// POST /v1/swarms/:swarm/nodes: join an engine to the swarm (operator for workers, admin for managers), as a job.
import type { FastifyInstance } from 'fastify';
import { swarmJoinNode, type SwarmJoinNodeInput } from '../../../operations/swarm-join-node.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { nodeJobResponses, swarmParams } from '../schemas.ts';
import { endpointBody, nodeRoleInput, refuseInvalidBody } from './swarm-schemas.ts';

type Body = Omit<SwarmJoinNodeInput, 'swarm'>;

export default function swarmJoinNodeRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm/nodes',
    {
      attachValidation: true,
      schema: {
        operationId: 'joinNode',
        tags: ['nodes'],
        summary: 'Join an engine to the swarm (operator for workers; admin with a reason for managers)',
        description:
          'A job: fetches the token from a manager, calls the joining engine, waits until the node is Ready. ' +
          'It fails with ALREADY_IN_SWARM when the engine is in a swarm already and JOIN_TIMEOUT (naming the ' +
          'ports to open) when it cannot reach the managers.',
        params: swarmParams,
        body: endpointBody({
          role: { ...nodeRoleInput, default: 'WORKER' },
          advertiseAddress: {
            type: 'string',
            description: "Default: the endpoint's IP address, else Docker's choice",
          },
          listenAddress: { type: 'string', description: 'Default 0.0.0.0:2377' },
        }),
        response: nodeJobResponses(),
      },
    },
    async (request, reply) => {
      await refuseInvalidBody(request, deps);
      const job = await swarmJoinNode(deps, operationOf(request), {
        ...request.body,
        swarm: request.params.swarm,
      });
      return replyWithJob(reply, job);
    },
  );
}
