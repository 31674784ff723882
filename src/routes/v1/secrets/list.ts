// GET /v1/swarms/:swarm/secrets: the swarm's secrets, filtered by name or label, paginated.
import type { FastifyInstance } from 'fastify';
import { secretPage, type SwarmObjectFilter } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { closedObject, pageQueryProperties, swarmParams } from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';
import { secretPageSchema, swarmObjectFilterProperties } from '../swarm-object-schemas.ts';

export default function listSecretsRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<SwarmObjectFilter>>(app, context, {
    url: '/swarms/:swarm/secrets',
    kept: false,
    schema: {
      operationId: 'listSecrets',
      tags: ['secrets'],
      summary: 'List the secrets of a swarm (`docker secret ls`); values are never shown',
      params: swarmParams,
      querystring: closedObject({ ...swarmObjectFilterProperties, ...pageQueryProperties }),
    },
    answer: secretPageSchema,
    read: pageRead(secretPage),
  });
}
