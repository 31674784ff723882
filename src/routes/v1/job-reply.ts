// The answer of every operation that queues a job: the job, and whether it ended.
import type { FastifyReply } from 'fastify';
import type { JobRecord } from '../../jobs/types.ts';
import { TERMINAL_STATES } from '../../jobs/types.ts';
import { toJobView } from '../../queries/views.ts';

/** 202 Accepted with the job's Location while it has not ended; 200 with the ended job otherwise. */
export function replyWithJob(reply: FastifyReply, job: JobRecord) {
  if (TERMINAL_STATES.has(job.state)) return reply.code(200).send(toJobView(job));
  return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(toJobView(job));
}
