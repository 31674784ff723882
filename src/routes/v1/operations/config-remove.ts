// DELETE /v1/swarms/:swarm/configs/:config: remove a config (`docker config rm`) (operator); idempotent.
import type { FastifyInstance } from 'fastify';
import { configRemove } from '../../../operations/config-remove.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses } from '../schemas.ts';
import { configParams, removeObjectQuery } from '../swarm-object-schemas.ts';

interface Query {
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export default function configRemoveRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.delete<{ Params: { swarm: string; config: string }; Querystring: Query }>(
    '/swarms/:swarm/configs/:config',
    {
      schema: {
        operationId: 'removeConfig',
        tags: ['configs'],
        summary: 'Remove a config (`docker config rm`) (operator)',
        description:
          'Answers 200 with the ended job (202 if it is still running). 409 CONFLICT while services use the ' +
          'config, naming them; a config that is already gone is success (the job says nothing was removed).',
        params: configParams,
        querystring: removeObjectQuery,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await configRemove(deps, operationOf(request), { ...request.query, ...request.params }),
      ),
  );
}
