// GET /v1/me: who the token says the caller is (sub, tenant, roles, actor chain).
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../plugins/app/auth.ts';
import type { V1Context } from './index.ts';
import { meSchema, problemResponses } from './schemas.ts';

// GraphQL's Role enum spelling (platform-admin → PLATFORM_ADMIN), so both doors answer the same values.
const roleName = (role: string) => role.toUpperCase().replace('-', '_');

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
    (request) => {
      const principal = principalOf(request);
      return {
        sub: principal.sub,
        tenant: principal.tenant,
        roles: principal.roles.map(roleName),
        actors: [...principal.actors],
      };
    },
  );
}
