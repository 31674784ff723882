// The answer of every operation that queues a job: the job, and whether it ended.
import type { FastifyReply } from 'fastify';
import type { JobRecord } from '../../jobs/types.ts';
import { TERMINAL_STATES } from '../../jobs/types.ts';

/** The job as REST shows it (the same names as GraphQL's Job). */
export function jobView(job: JobRecord) {
  return {
    id: job.id,
    type: job.type,
    state: job.state.toUpperCase(),
    progress: job.progress,
    tenant: job.tenant,
    swarmId: job.swarmId,
    swarmName: job.swarmName,
    target: job.target,
    parameters: job.parameters,
    reason: job.reason,
    forced: job.forced,
    requestedBy: { sub: job.requestedBy.sub, actors: job.requestedBy.actors, source: job.requestedBy.source },
    result: job.result ?? null,
    errorCode: job.errorCode,
    errorMessage: job.errorMessage,
    attempts: job.attempts,
    operationId: job.operationId,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

/** 202 Accepted with the job's Location while it has not ended; 200 with the ended job otherwise. */
export function replyWithJob(reply: FastifyReply, job: JobRecord) {
  if (TERMINAL_STATES.has(job.state)) return reply.code(200).send(jobView(job));
  return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(jobView(job));
}
