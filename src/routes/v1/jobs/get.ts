// GET /v1/jobs/:id: one job of the caller's tenant (another tenant's is 404).
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../../plugins/app/auth.ts';
import { getJob } from '../../../queries/job-queries.ts';
import type { V1Context } from '../context.ts';
import { jobSchema, pathParams, problemResponses } from '../schemas.ts';

export default function getJobRoute(app: FastifyInstance, { deps }: V1Context): void {
  app.get<{ Params: { id: string } }>(
    '/jobs/:id',
    {
      schema: {
        operationId: 'getJob',
        tags: ['jobs'],
        summary: 'A job: state, progress, result or error',
        params: pathParams({ id: 'The job id' }),
        response: { 200: jobSchema, ...problemResponses(400, 403, 404) },
      },
    },
    async (request) => getJob(deps.jobs.repository, principalOf(request), request.params.id),
  );
}
