// GET /v1/swarms: the swarms of the caller's tenant (a platform-admin's: of every tenant, or of ?tenant=).
import type { FastifyInstance } from 'fastify';
import { toSwarmView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { closedObject, listOf, problemResponses, swarmSchema } from '../schemas.ts';

interface Query {
  tenant?: string;
}

export default function listSwarmsRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Querystring: Query }>(
    '/swarms',
    {
      schema: {
        operationId: 'listSwarms',
        tags: ['swarms'],
        summary: "List the swarms of the caller's tenant",
        description:
          "A platform-admin sees every tenant's swarms, or those of `tenant`; for anyone else `tenant` " +
          'other than their own yields an empty list.',
        querystring: closedObject({ tenant: { type: 'string', minLength: 1, description: 'Tenant slug' } }),
        response: { 200: listOf('Registered swarms', swarmSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const swarms = await readsOf(request).listSwarms(request.query.tenant);
      return { totalCount: swarms.length, items: swarms.map(toSwarmView) };
    },
  );
}
