// GET /v1/audit/integrity: walks the audit hash chains the caller may read and names the first broken link.
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../../plugins/app/auth.ts';
import { auditIntegrity } from '../../../queries/audit-queries.ts';
import type { V1Context } from '../context.ts';
import { auditIntegrityQuery, auditIntegritySchema, problemResponses } from '../schemas.ts';

interface Query {
  tenant?: string;
}

export default function auditIntegrityRoute(app: FastifyInstance, { deps }: V1Context): void {
  app.get<{ Querystring: Query }>(
    '/audit/integrity',
    {
      schema: {
        operationId: 'checkAuditIntegrity',
        tags: ['audit'],
        summary: "Verify the audit log's hash chain of the caller's tenant (viewer)",
        description:
          'Reads every event of the chain in order: a missing event, a broken link or altered content is named ' +
          "by its first event. A platform-admin checks every tenant's chain, or `tenant`'s; anyone else asking " +
          'for another tenant is FORBIDDEN.',
        querystring: auditIntegrityQuery,
        response: { 200: auditIntegritySchema, ...problemResponses(400, 403) },
      },
    },
    async (request) => {
      const verdict = await auditIntegrity(deps.audit, principalOf(request), request.query.tenant);
      return {
        ok: verdict.ok,
        tenants: verdict.tenants.map(({ tenant, events, ok, firstBroken }) => ({
          tenant,
          events,
          ok,
          firstBroken: firstBroken && {
            id: firstBroken.id,
            seq: firstBroken.seq,
            tenantSeq: firstBroken.tenantSeq,
            problem: firstBroken.problem,
          },
        })),
      };
    },
  );
}
