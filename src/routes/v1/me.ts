// GET /v1/me: who the token says the caller is (sub, tenant, roles, actor chain).
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../plugins/app/auth.ts';
import { meOf } from '../../queries/swarm-queries.ts';
import type { V1Context } from './context.ts';
import { meSchema, problemResponses } from './schemas.ts';

export default function meRoute(app: FastifyInstance, _context: V1Context): void {
  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['identity'],
        summary: 'Who the token says the caller is',
        response: { 200: meSchema, ...problemResponses() },
      },
    },
    (request) => meOf(principalOf(request)),
  );
}
