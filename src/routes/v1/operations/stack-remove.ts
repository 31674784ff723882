// DELETE /v1/swarms/:swarm/stacks/:stack: remove a stack (`docker stack rm`) (operator); idempotent.
import type { FastifyInstance } from 'fastify';
import { stackRemove } from '../../../operations/stack-remove.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, pathParams, problemResponses } from '../schemas.ts';
import { serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
  timeoutSeconds?: number;
  dryRun?: boolean;
}

export default function stackRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; stack: string }; Querystring: Query }>(
    '/swarms/:swarm/stacks/:stack',
    {
      schema: {
        operationId: 'removeStack',
        tags: ['stacks'],
        summary: 'Remove a stack (`docker stack rm`) (operator)',
        description:
          'Removes the services, then, once their tasks stopped, the networks, secrets and configs labelled ' +
          'with the stack’s namespace; the job’s result lists what was removed. Answers 200 with the ended job ' +
          '(202 and its Location if it is still running). A stack that is already gone is success: nothing removed.',
        params: pathParams({ swarm: 'Swarm id or name', stack: 'The stack’s name' }),
        querystring: closedObject({
          ...serviceMutationMeta,
          timeoutSeconds: {
            ...timeoutSecondsProperty(120),
            description: 'How long the job waits for tasks to let go of the stack’s networks (default 120)',
          },
        }),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { stack, swarm } = request.params;
      return replyWithJob(
        reply,
        await stackRemove(deps, operationOf(request), { ...request.query, swarm, name: stack }),
      );
    },
  );
}
