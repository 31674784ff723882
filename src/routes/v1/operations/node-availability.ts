// POST /v1/swarms/:swarm/nodes/:node/availability: ACTIVE, PAUSE (answered when done) or DRAIN (a job) (operator).
import type { FastifyInstance } from 'fastify';
import { nodeSetAvailability, type NodeSetAvailabilityInput } from '../../../operations/node-availability.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, dryRunProperty, nodeJobResponses, nodeParams } from '../schemas.ts';

type Body = Omit<NodeSetAvailabilityInput, 'swarm' | 'node'>;

export default function nodeAvailabilityRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; node: string }; Body: Body }>(
    '/swarms/:swarm/nodes/:node/availability',
    {
      schema: {
        operationId: 'setNodeAvailability',
        tags: ['nodes'],
        summary: 'Activate, pause or drain a node (`docker node update --availability`) (operator)',
        description:
          'ACTIVE and PAUSE answer 200 with the ended job. DRAIN answers 202 with the job, which ends when no ' +
          'task runs on the node any more (progress: tasks left), or fails after timeoutSeconds.',
        params: nodeParams,
        body: closedObject(
          {
            availability: { type: 'string', enum: ['ACTIVE', 'PAUSE', 'DRAIN'] },
            timeoutSeconds: {
              type: 'integer',
              minimum: 1,
              maximum: 86400,
              description: 'DRAIN only: how long to wait for the tasks to move (default 600)',
            },
            reason: { type: 'string', description: 'Why, for the audit log' },
            idempotencyKey: {
              type: 'string',
              description: 'The same key and input again answers with the same job',
            },
            dryRun: dryRunProperty,
          },
          ['availability'],
        ),
        response: nodeJobResponses(),
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await nodeSetAvailability(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
