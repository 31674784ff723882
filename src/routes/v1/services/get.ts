// GET /v1/swarms/:swarm/services/:service: one service by ID, unique ID prefix or name.
import type { FastifyInstance } from 'fastify';
import { getService } from '../../../queries/swarm-queries.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  problemResponses,
  serviceParams,
  serviceSchema,
} from '../schemas.ts';

export default function getServiceRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string; service: string }; Querystring: { fresh?: boolean } }>(
    '/swarms/:swarm/services/:service',
    {
      config: { keepAnswer: keptByUrl },
      schema: {
        operationId: 'getService',
        tags: ['services'],
        summary: 'Get a service by ID, unique ID prefix or name (`docker service inspect`)',
        params: serviceParams,
        querystring: closedObject({ ...freshQueryProperty }),
        response: { 200: serviceSchema, ...problemResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      return getService(reads.withFresh(request.query.fresh), swarm, request.params.service);
    },
  );
}
