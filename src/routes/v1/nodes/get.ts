// GET /v1/swarms/:swarm/nodes/:node: one node by ID, unique ID prefix or hostname, as with the docker CLI.
import type { FastifyInstance } from 'fastify';
import { getNode } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, freshQueryProperty, nodeParams, nodeSchema } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

export default function getNodeRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; node: string }, { fresh?: boolean }>(app, context, {
    url: '/swarms/:swarm/nodes/:node',
    kept: true,
    schema: {
      operationId: 'getNode',
      tags: ['nodes'],
      summary: 'Get a node by ID, unique ID prefix or hostname (`docker node inspect`)',
      description: 'An ID prefix shared by several nodes is BAD_INPUT, as the docker CLI refuses it.',
      params: nodeParams,
      querystring: closedObject({ ...freshQueryProperty }),
    },
    answer: nodeSchema,
    read: (reads, swarm, params, query) => getNode(reads.withFresh(query.fresh), swarm, params.node),
  });
}
