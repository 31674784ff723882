// cancelJob: a queued job is taken out of the queue and never starts; a running one is told to stop.
import { hasRole, requireRole } from '../auth/authorize.ts';
import { notFound } from '../errors.ts';
import { endJob } from '../jobs/end-job.ts';
import { TERMINAL_STATES, type JobRecord } from '../jobs/types.ts';
import { tenantScope } from '../queries/swarm-reads.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';

const WAIT_MS = 5000;

export function jobCancel(
  deps: OperationDeps,
  ctx: OperationContext,
  input: { id: string; reason?: string | null },
): Promise<JobRecord> {
  let job: JobRecord;
  return runOperation(deps, ctx, {
    action: 'job.cancel',
    parameters: { id: input.id },
    reason: input.reason,
    locate: async () => {
      const found = await deps.jobs.repository.get(input.id);
      const scope = tenantScope(ctx.principal);
      if (!found || (scope !== null && found.tenant !== scope)) throw notFound('job', input.id);
      job = found;
      return {
        tenant: job.tenant,
        target: { swarmId: job.swarmId, swarmName: job.swarmName, jobId: job.id },
      };
    },
    execute: async () => {
      // Whoever started a job may cancel it; anyone else needs the operator role.
      if (job.requestedBy.sub !== ctx.principal.sub || !hasRole(ctx.principal, 'viewer')) {
        requireRole(ctx.principal, 'operator', 'cancel a job');
      }
      if (TERMINAL_STATES.has(job.state)) return job;
      if (job.state === 'awaiting_approval') return cancelAwaiting(deps, ctx, job);
      await deps.jobs.repository.requestCancel(job.id);
      // Not started yet: out of the queue, and the worker that would pick it up ends it as cancelled anyway.
      await deps.jobs.queue.removeWaiting(job.id).catch(() => false);
      const deadline = Date.now() + WAIT_MS;
      let current = job;
      while (!TERMINAL_STATES.has(current.state) && Date.now() < deadline) {
        if (current.state === 'queued') {
          // Not picked up by a worker: end it here, with the job's own outcome event.
          await endJob(
            {
              jobs: deps.jobs.repository,
              audit: deps.audit,
              publishJob: (ended) => deps.jobs.publish(ended),
            },
            current,
            'cancelled',
            { errorCode: 'CANCELLED', errorMessage: `cancelled by ${ctx.principal.sub}`, from: ['queued'] },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        current = (await deps.jobs.repository.get(job.id)) ?? current;
      }
      return current;
    },
    summarize: (ended) => ({ result: { state: ended.state } }),
  });
}

/** A job awaiting approval is in no queue: it ends here, unless an approval queued it meanwhile (then as above). */
async function cancelAwaiting(
  deps: OperationDeps,
  ctx: OperationContext,
  job: JobRecord,
): Promise<JobRecord> {
  await endJob(
    { jobs: deps.jobs.repository, audit: deps.audit, publishJob: (ended) => deps.jobs.publish(ended) },
    job,
    'cancelled',
    {
      errorCode: 'CANCELLED',
      errorMessage: `cancelled by ${ctx.principal.sub} while awaiting approval`,
      from: ['awaiting_approval'],
    },
  );
  const current = (await deps.jobs.repository.get(job.id)) ?? job;
  if (current.state !== 'queued' && current.state !== 'running') return current;
  await deps.jobs.repository.requestCancel(job.id);
  await deps.jobs.queue.removeWaiting(job.id).catch(() => false);
  return (await deps.jobs.repository.get(job.id)) ?? current;
}
