// GET /v1/swarms/:swarm/secrets/:secret: one secret by ID, unique ID prefix or name.
import type { FastifyInstance } from 'fastify';
import { getSecret } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';
import { secretParams, secretSchema } from '../swarm-object-schemas.ts';

export default function getSecretRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; secret: string }>(app, context, {
    url: '/swarms/:swarm/secrets/:secret',
    kept: false,
    schema: {
      operationId: 'getSecret',
      tags: ['secrets'],
      summary: 'Get a secret by ID, unique ID prefix or name (`docker secret inspect`), never its value',
      params: secretParams,
    },
    answer: secretSchema,
    read: (reads, swarm, params) => getSecret(reads, swarm, params.secret),
  });
}
