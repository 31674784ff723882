// Ending a job: its final state and its one audit outcome event commit together; an ended job is left alone.
import type { AuditStore } from '../audit/store.ts';
import type { AuditEvent, AuditSource } from '../audit/types.ts';
import { phaseOfErrorCode, type ErrorCode } from '../errors.ts';
import type { JobRepository } from './repository.ts';
import type { JobRecord, JobState } from './types.ts';

export interface EndJobDeps {
  jobs: JobRepository;
  audit: AuditStore;
  publishJob: (job: JobRecord) => void;
}

/**
 * Ends the job and writes its one outcome event in the same transaction; a job already ended is left alone.
 * `target` is what the job learned about its target: it is merged into the job's row, and the outcome event names
 * the target as the row then has it (the most complete the job knew).
 */
export async function endJob(
  deps: EndJobDeps,
  job: JobRecord,
  state: Exclude<JobState, 'awaiting_approval' | 'queued' | 'running'>,
  end: {
    result?: unknown;
    target?: JobRecord['target'] | undefined;
    errorCode?: ErrorCode;
    errorMessage?: string;
    from?: ('awaiting_approval' | 'queued' | 'running')[];
  },
): Promise<void> {
  const phase =
    state === 'succeeded' ? 'succeeded' : end.errorCode ? phaseOfErrorCode(end.errorCode) : 'failed';
  const finished = await deps.jobs.finish(job.id, { state, ...end }, (client, ended): Promise<AuditEvent> =>
    deps.audit.appendIn(client, {
      tenant: ended.tenant,
      operationId: ended.operationId,
      phase,
      action: ended.type,
      actor: {
        sub: ended.requestedBy.sub,
        actors: ended.requestedBy.actors,
        roles: ended.requestedBy.roles,
        source: ended.requestedBy.source as AuditSource,
        clientAddress: ended.clientAddress,
        userAgent: ended.userAgent,
        requestId: ended.requestId,
      },
      target: ended.target,
      parameters: ended.parameters,
      reason: ended.reason,
      forced: ended.forced,
      errorCode: end.errorCode ?? null,
      errorMessage: end.errorMessage ?? null,
      jobId: ended.id,
      result: end.result,
    }),
  );
  if (!finished) return;
  deps.audit.announce(finished.extra);
  deps.publishJob(finished.job);
}
