// GET /v1/swarms/:swarm/services: the swarm's services, filtered by name, mode or label, paginated.
import type { FastifyInstance } from 'fastify';
import { servicePage as listServices, type ServiceFilter } from '../../../queries/swarm-queries.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  labelFilterProperty,
  pageOf,
  pageQueryProperties,
  problemResponses,
  serviceSchema,
  swarmParams,
} from '../schemas.ts';

type Query = ServiceFilter & { first?: number; after?: string; fresh?: boolean };

export default function listServicesRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string }; Querystring: Query }>(
    '/swarms/:swarm/services',
    {
      config: { keepAnswer: keptByUrl },
      schema: {
        operationId: 'listServices',
        tags: ['services'],
        summary: 'List the services of a swarm (`docker service ls`)',
        params: swarmParams,
        querystring: closedObject({
          name: { type: 'string', minLength: 1, description: 'Part of the service name' },
          mode: { type: 'string', enum: ['REPLICATED', 'GLOBAL'] },
          label: labelFilterProperty,
          ...pageQueryProperties,
          ...freshQueryProperty,
        }),
        response: {
          200: pageOf('A page of services, by name', serviceSchema),
          ...problemResponses(400, 404, 503),
        },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      const { first, after, fresh, ...filter } = request.query;
      return listServices(reads.withFresh(fresh), swarm, filter, first, after);
    },
  );
}
