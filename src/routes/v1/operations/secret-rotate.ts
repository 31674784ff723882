// POST /v1/swarms/:swarm/secrets/:secret/rotate: replace a secret in every service that uses it (operator).
import type { FastifyInstance } from 'fastify';
import type { RotateSecretInput } from '../../../domain/swarm-objects.ts';
import { secretRotate } from '../../../operations/secret-rotate.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses } from '../schemas.ts';
import { rotateSecretBody, secretParams, VALUE_BODY_LIMIT } from '../swarm-object-schemas.ts';

export default function secretRotateRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string; secret: string }; Body: Omit<RotateSecretInput, 'swarm' | 'secret'> }>(
    '/swarms/:swarm/secrets/:secret/rotate',
    {
      bodyLimit: VALUE_BODY_LIMIT,
      schema: {
        operationId: 'rotateSecret',
        tags: ['secrets'],
        summary:
          'Rotate a secret: a new secret, every service using the old one moved to it, the old removed (operator)',
        description:
          'Answers 202 with the job (progress per service; each rolling update is followed to its end). The new ' +
          'name is newName, or the old one with its trailing -vN counted up (-v2 appended when it has none); ' +
          'a name already taken is 409 CONFLICT. The value is write-only, at most 500 KiB once decoded.',
        params: secretParams,
        body: rotateSecretBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await secretRotate(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
