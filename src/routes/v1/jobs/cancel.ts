// POST /v1/jobs/:id/cancel: a queued job never starts; a running one stops at its next step.
import type { FastifyInstance } from 'fastify';
import { jobCancel } from '../../../operations/job-cancel.ts';
import { toJobView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobSchema, pathParams, problemResponses } from '../schemas.ts';

export default function cancelJobRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/jobs/:id/cancel',
    {
      schema: {
        operationId: 'cancelJob',
        tags: ['jobs'],
        summary: 'Cancel a job',
        params: pathParams({ id: 'The job id' }),
        body: closedObject({ reason: { type: 'string', description: 'Why, for the audit log' } }),
        response: { 200: jobSchema, ...problemResponses(400, 403, 404, 503) },
      },
    },
    async (request) =>
      toJobView(
        await jobCancel(deps, operationOf(request), { id: request.params.id, reason: request.body?.reason }),
      ),
  );
}
