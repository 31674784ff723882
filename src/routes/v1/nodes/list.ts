// GET /v1/swarms/:swarm/nodes: the swarm's nodes, filtered by role, availability, state or label, paginated.
import type { FastifyInstance } from 'fastify';
import { nodePage, type NodeFilter } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  labelFilterProperty,
  nodeSchema,
  pageOf,
  pageQueryProperties,
  swarmParams,
} from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';

export default function listNodesRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<NodeFilter>>(app, context, {
    url: '/swarms/:swarm/nodes',
    kept: true,
    schema: {
      operationId: 'listNodes',
      tags: ['nodes'],
      summary: 'List the nodes of a swarm (`docker node ls`)',
      params: swarmParams,
      querystring: closedObject({
        role: { type: 'string', enum: ['MANAGER', 'WORKER'] },
        availability: { type: 'string', enum: ['ACTIVE', 'PAUSE', 'DRAIN'] },
        state: { type: 'string', enum: ['UNKNOWN', 'DOWN', 'READY', 'DISCONNECTED'] },
        label: labelFilterProperty,
        ...pageQueryProperties,
        ...freshQueryProperty,
      }),
    },
    answer: pageOf('A page of nodes, by hostname', nodeSchema),
    read: pageRead(nodePage),
  });
}
