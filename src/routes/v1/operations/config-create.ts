// POST /v1/swarms/:swarm/configs: create a config (`docker config create`) (operator). The value is write-only.
import type { FastifyInstance } from 'fastify';
import type { CreateConfigInput } from '../../../domain/swarm-objects.ts';
import { configCreate } from '../../../operations/config-create.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses, swarmParams } from '../schemas.ts';
import { createConfigBody, VALUE_BODY_LIMIT } from '../swarm-object-schemas.ts';

export default function configCreateRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Omit<CreateConfigInput, 'swarm'> }>(
    '/swarms/:swarm/configs',
    {
      bodyLimit: VALUE_BODY_LIMIT,
      schema: {
        operationId: 'createConfig',
        tags: ['configs'],
        summary: 'Create a config (`docker config create`) (operator)',
        description:
          'A quick job: answers 200 with the ended job (202 if it is still running). The value is at most ' +
          "1000 KiB once decoded (Docker's limit; 400 BAD_INPUT above it) and is never shown again: the job's " +
          'parameters keep its size and SHA-256. A config of that name already is 409 CONFLICT.',
        params: swarmParams,
        body: createConfigBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await configCreate(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
      ),
  );
}
