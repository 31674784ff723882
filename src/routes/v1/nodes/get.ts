// GET /v1/swarms/:swarm/nodes/:node: one node by ID, unique ID prefix or hostname, as with the docker CLI.
import type { FastifyInstance } from 'fastify';
import { getNode } from '../../../queries/swarm-queries.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import { closedObject, freshQueryProperty, nodeParams, nodeSchema, problemResponses } from '../schemas.ts';

export default function getNodeRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string; node: string }; Querystring: { fresh?: boolean } }>(
    '/swarms/:swarm/nodes/:node',
    {
      config: { keepAnswer: keptByUrl },
      schema: {
        operationId: 'getNode',
        tags: ['nodes'],
        summary: 'Get a node by ID, unique ID prefix or hostname (`docker node inspect`)',
        description: 'An ID prefix shared by several nodes is BAD_INPUT, as the docker CLI refuses it.',
        params: nodeParams,
        querystring: closedObject({ ...freshQueryProperty }),
        response: { 200: nodeSchema, ...problemResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      return getNode(reads.withFresh(request.query.fresh), swarm, request.params.node);
    },
  );
}
