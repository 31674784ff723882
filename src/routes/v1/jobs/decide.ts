// POST /v1/jobs/:id/approve and /v1/jobs/:id/reject: another principal of the job's tenant decides on a job
// awaiting approval (the same operations as approveJob and rejectJob).
import type { FastifyInstance } from 'fastify';
import { jobApprove, jobReject, type JobDecisionInput } from '../../../operations/job-approve.ts';
import { toJobView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobSchema, pathParams, problemResponses } from '../schemas.ts';

const body = closedObject({
  reason: { type: 'string', description: 'Why, for the audit log (and the rejection)' },
});

export default function jobDecisionRoutes(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  const decisions = [
    {
      verb: 'approve',
      operationId: 'approveJob',
      summary: 'Approve a job awaiting approval; the last approval needed queues it',
      decide: jobApprove,
    },
    {
      verb: 'reject',
      operationId: 'rejectJob',
      summary: 'Reject a job awaiting approval: it ends CANCELLED (FORBIDDEN), naming who rejected and why',
      decide: jobReject,
    },
  ] as const;
  for (const { verb, operationId, summary, decide } of decisions) {
    app.post<{ Params: { id: string }; Body: Omit<JobDecisionInput, 'id'> | undefined }>(
      `/jobs/:id/${verb}`,
      {
        schema: {
          operationId,
          tags: ['jobs'],
          summary,
          description:
            "Another principal of the job's tenant with the role its rule asks for: never the requester, nor a " +
            'token acting for or through the requester, nor one who approved already (403). A job not awaiting ' +
            'approval is 409.',
          params: pathParams({ id: 'The job id' }),
          body,
          response: { 200: jobSchema, ...problemResponses(400, 403, 404, 409, 503) },
        },
      },
      async (request) =>
        toJobView(
          await decide(deps, operationOf(request), { id: request.params.id, reason: request.body?.reason }),
        ),
    );
  }
}
