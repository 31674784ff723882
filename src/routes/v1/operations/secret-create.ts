// POST /v1/swarms/:swarm/secrets: create a secret (`docker secret create`) (operator). The value is write-only.
import type { FastifyInstance } from 'fastify';
import type { CreateSecretInput } from '../../../domain/swarm-objects.ts';
import { secretCreate } from '../../../operations/secret-create.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses, swarmParams } from '../schemas.ts';
import { createSecretBody, VALUE_BODY_LIMIT } from '../swarm-object-schemas.ts';

export default function secretCreateRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Omit<CreateSecretInput, 'swarm'> }>(
    '/swarms/:swarm/secrets',
    {
      bodyLimit: VALUE_BODY_LIMIT,
      schema: {
        operationId: 'createSecret',
        tags: ['secrets'],
        summary: 'Create a secret (`docker secret create`) (operator)',
        description:
          'A quick job: answers 200 with the ended job (202 if it is still running). The value is at most ' +
          "500 KiB once decoded (Docker's limit; 400 BAD_INPUT above it) and is never shown again: the job's " +
          'parameters keep its size and SHA-256. A secret of that name already is 409 CONFLICT.',
        params: swarmParams,
        body: createSecretBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await secretCreate(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
      ),
  );
}
