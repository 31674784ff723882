// GET /v1/swarms/:swarm/stacks: the swarm's stacks (`docker stack ls`), by name, with their services, networks,
// secrets and configs.
import type { FastifyInstance } from 'fastify';
import { stackViews } from '../../../queries/stack-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, freshQueryProperty, listOf, swarmParams } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';
import { stackSchema } from './schemas.ts';

export default function listStacksRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, { fresh?: boolean }>(app, context, {
    url: '/swarms/:swarm/stacks',
    // Networks, secrets and configs are read from a manager at each request: never kept.
    kept: false,
    schema: {
      operationId: 'listStacks',
      tags: ['stacks'],
      summary: 'List the stacks of a swarm (`docker stack ls`), deployed through swarmgate or the docker CLI',
      params: swarmParams,
      querystring: closedObject({ ...freshQueryProperty }),
    },
    answer: listOf('The stacks, by name', stackSchema),
    read: async (reads, swarm, _params, query) => {
      const items = await stackViews(reads.withFresh(query.fresh), swarm);
      return { totalCount: items.length, items };
    },
  });
}
