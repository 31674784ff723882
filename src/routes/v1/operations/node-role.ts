// What the promote and demote routes share: the body (force, reason, idempotency key, all optional, so the body may
// be left out) and the route itself, but for its words and its operation.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OperationContext } from '../../../audit/types.ts';
import type { JobRecord } from '../../../jobs/types.ts';
import type { NodeForceInput } from '../../../operations/node-guarded.ts';
import type { OperationDeps } from '../../../operations/deps.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { closedObject, dryRunProperty, nodeJobResponses, nodeParams } from '../schemas.ts';

export interface NodeRoleBody {
  force?: boolean;
  reason?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
}

export const nodeRoleBody = closedObject({
  force: {
    type: 'boolean',
    default: false,
    description: 'Accept an even number of managers afterwards (audited as forced); never a loss of quorum',
  },
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: { type: 'string', description: 'The same key and input again answers with the same job' },
  dryRun: dryRunProperty,
});

/** preValidation: a request without a body (`curl -X POST .../promote`) is taken as `{}`, the defaults. */
export function bodyOptional(request: FastifyRequest, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}

export interface NodeRoleRoute {
  verb: 'promote' | 'demote';
  operationId: string;
  summary: string;
  description: string;
  operation: (deps: OperationDeps, ctx: OperationContext, input: NodeForceInput) => Promise<JobRecord>;
}

/** POST /swarms/:swarm/nodes/:node/<verb>: the job, quorum-guarded (admin). */
export function nodeRoleRoute(
  app: FastifyInstance,
  { deps, operationOf }: V1Context,
  route: NodeRoleRoute,
): void {
  app.post<{ Params: { swarm: string; node: string }; Body: NodeRoleBody }>(
    `/swarms/:swarm/nodes/:node/${route.verb}`,
    {
      schema: {
        operationId: route.operationId,
        tags: ['nodes'],
        summary: route.summary,
        description: route.description,
        params: nodeParams,
        body: nodeRoleBody,
        response: nodeJobResponses(),
      },
      preValidation: bodyOptional,
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await route.operation(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
