// GET /v1/swarms/:swarm/services/:service: one service by ID, unique ID prefix or name.
import type { FastifyInstance } from 'fastify';
import { getService } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, freshQueryProperty, serviceParams, serviceSchema } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

export default function getServiceRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; service: string }, { fresh?: boolean }>(app, context, {
    url: '/swarms/:swarm/services/:service',
    kept: true,
    schema: {
      operationId: 'getService',
      tags: ['services'],
      summary: 'Get a service by ID, unique ID prefix or name (`docker service inspect`)',
      params: serviceParams,
      querystring: closedObject({ ...freshQueryProperty }),
    },
    answer: serviceSchema,
    read: (reads, swarm, params, query) => getService(reads.withFresh(query.fresh), swarm, params.service),
  });
}
