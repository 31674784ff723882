// GET /v1/swarms/:swarm/services: the swarm's services, filtered by name, mode or label, paginated.
import type { FastifyInstance } from 'fastify';
import { servicePage, type ServiceFilter } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  labelFilterProperty,
  pageOf,
  pageQueryProperties,
  serviceSchema,
  swarmParams,
} from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';

export default function listServicesRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<ServiceFilter>>(app, context, {
    url: '/swarms/:swarm/services',
    kept: true,
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
    },
    answer: pageOf('A page of services, by name', serviceSchema),
    read: pageRead(servicePage),
  });
}
