// GET /v1/swarms/:swarm/nodes: the swarm's nodes, filtered by role, availability, state or label, paginated.
import type { FastifyInstance } from 'fastify';
import { nodePage as listNodes, type NodeFilter } from '../../../queries/swarm-queries.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  labelFilterProperty,
  nodeSchema,
  pageOf,
  pageQueryProperties,
  problemResponses,
  swarmParams,
} from '../schemas.ts';

type Query = NodeFilter & { first?: number; after?: string; fresh?: boolean };

export default function listNodesRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string }; Querystring: Query }>(
    '/swarms/:swarm/nodes',
    {
      config: { keepAnswer: keptByUrl },
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
        response: {
          200: pageOf('A page of nodes, by hostname', nodeSchema),
          ...problemResponses(400, 404, 503),
        },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      const { first, after, fresh, ...filter } = request.query;
      return listNodes(reads.withFresh(fresh), swarm, filter, first, after);
    },
  );
}
