// approveJob and rejectJob: another principal of the job's tenant, with the role its rule asks for, decides on a job
// awaiting approval. The last approval needed queues it (under the job's row lock: two approvers at once queue it
// once); a rejection ends it cancelled, its outcome `refused` with FORBIDDEN (the tenant's policy said no), naming
// who rejected and why. Each decision is its own audited operation (job.approve, job.reject) on the job's swarm.
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import { checkApprover } from '../domain/approval-policy.ts';
import { awaitedApproval } from '../jobs/approvals.ts';
import { endJob } from '../jobs/end-job.ts';
import type { JobRecord } from '../jobs/types.ts';
import { notFound } from '../errors.ts';
import { tenantScope } from '../queries/swarm-reads.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';

export interface JobDecisionInput {
  id: string;
  reason?: string | null | undefined;
}

/** The job of the caller's tenant, as the audit names it; another tenant's job is NOT_FOUND. */
function jobLocator(deps: OperationDeps, ctx: OperationContext, id: string, found: (job: JobRecord) => void) {
  return async () => {
    const job = await deps.jobs.repository.get(id);
    const scope = tenantScope(ctx.principal);
    if (!job || (scope !== null && job.tenant !== scope)) throw notFound('job', id);
    found(job);
    return { tenant: job.tenant, target: { swarmId: job.swarmId, swarmName: job.swarmName, jobId: job.id } };
  };
}

/**
 * The checks both decisions make: awaiting (CONFLICT), not the requester nor a repeat, then the rule's role
 * (FORBIDDEN). Who the caller is comes first: "you asked for it" is the answer a requester can act on.
 */
function checkDecider(ctx: OperationContext, job: JobRecord, what: string): void {
  const approval = awaitedApproval(job);
  checkApprover(ctx.principal, job, approval);
  requireRole(ctx.principal, approval.role, what);
}

export function jobApprove(
  deps: OperationDeps,
  ctx: OperationContext,
  input: JobDecisionInput,
): Promise<JobRecord> {
  let job: JobRecord;
  let queued = false;
  return runOperation(deps, ctx, {
    action: 'job.approve',
    parameters: { id: input.id },
    reason: input.reason,
    locate: jobLocator(deps, ctx, input.id, (found) => (job = found)),
    execute: async () => {
      // Checked on the job as read, then again under its row lock (another approval may have come in between).
      checkDecider(ctx, job, 'approve this job');
      const given = await deps.jobs.approvals.approve(job.id, ctx.principal, (locked) =>
        checkDecider(ctx, locked, 'approve this job'),
      );
      queued = given.queued;
      deps.jobs.publish(given.job);
      if (given.queued) await queueApproved(deps, given.job);
      return given.job;
    },
    summarize: (approved) => ({
      jobId: approved.id,
      result: { state: approved.state, queued, given: approved.approval?.given.length ?? 0 },
    }),
  });
}

/**
 * Queues a job its last approval made `queued`. When the queue is away the job fails (QUEUE_UNAVAILABLE, its
 * outcome written) rather than wait queued in the table for the next restart.
 */
async function queueApproved(deps: OperationDeps, job: JobRecord): Promise<void> {
  try {
    await deps.jobs.queue.enqueue(job.id, job.type);
  } catch (error) {
    await endJob(
      { jobs: deps.jobs.repository, audit: deps.audit, publishJob: (ended) => deps.jobs.publish(ended) },
      job,
      'failed',
      {
        errorCode: 'QUEUE_UNAVAILABLE',
        errorMessage: 'approved, but the job could not be queued',
        from: ['queued'],
      },
    );
    throw error;
  }
}

export function jobReject(
  deps: OperationDeps,
  ctx: OperationContext,
  input: JobDecisionInput,
): Promise<JobRecord> {
  let job: JobRecord;
  return runOperation(deps, ctx, {
    action: 'job.reject',
    parameters: { id: input.id },
    reason: input.reason,
    locate: jobLocator(deps, ctx, input.id, (found) => (job = found)),
    execute: async () => {
      checkDecider(ctx, job, 'reject this job');
      const why = input.reason?.trim();
      const message = `rejected by ${ctx.principal.sub}${why ? `: ${why}` : ''}`;
      // Conditional on the job still awaiting: a job queued by an approval meanwhile is not ended here.
      await endJob(
        { jobs: deps.jobs.repository, audit: deps.audit, publishJob: (ended) => deps.jobs.publish(ended) },
        job,
        'cancelled',
        {
          errorCode: 'FORBIDDEN',
          errorMessage: message,
          from: ['awaiting_approval'],
        },
      );
      const ended = (await deps.jobs.repository.get(job.id)) ?? job;
      // Not this rejection's end (approved or expired meanwhile): CONFLICT, saying what the job is now.
      if (ended.errorMessage !== message) awaitedApproval(ended);
      return ended;
    },
    summarize: (rejected) => ({ jobId: rejected.id, result: { state: rejected.state } }),
  });
}
