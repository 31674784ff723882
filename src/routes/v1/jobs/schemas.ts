// JSON Schemas of jobs (GraphQL's Job, JSON fields as objects) and the reply every queued operation gives.
import type { FastifyReply } from 'fastify';
import type { JobRecord } from '../../../jobs/types.ts';
import { TERMINAL_STATES } from '../../../jobs/types.ts';

const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

function view(description: string, properties: Record<string, unknown>) {
  return { type: 'object', description, required: Object.keys(properties), properties };
}

export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

export const jobSchema = view('A job: one operation on a swarm, its state and progress', {
  id: { type: 'string', format: 'uuid' },
  type: {
    type: 'string',
    description: 'The operation: node.drain, service.update, swarm.joinToken.rotate...',
  },
  state: { type: 'string', enum: [...JOB_STATES] },
  progress: view('How far it got', {
    percent: { type: 'integer', minimum: 0, maximum: 100 },
    step: nullableString,
    message: nullableString,
  }),
  tenant: { type: 'string' },
  swarmId: nullableString,
  swarmName: nullableString,
  target: {
    type: 'object',
    additionalProperties: true,
    description: 'What the job acts on (swarm, node, service ids and names)',
  },
  parameters: { type: 'object', additionalProperties: true, description: 'The input with secrets removed' },
  reason: nullableString,
  forced: { type: 'boolean' },
  requestedBy: view('Who asked', {
    sub: { type: 'string' },
    actors: { type: 'array', items: { type: 'string' } },
    source: { type: 'string' },
  }),
  result: { description: 'What the job produced (any JSON), or null' },
  errorCode: nullableString,
  errorMessage: nullableString,
  attempts: { type: 'integer' },
  operationId: { type: 'string', format: 'uuid', description: 'Links the job with its audit events' },
  createdAt: dateTime,
  startedAt: { type: ['string', 'null'], format: 'date-time' },
  finishedAt: { type: ['string', 'null'], format: 'date-time' },
  updatedAt: dateTime,
});

export const jobPageSchema = view('A page of jobs, newest first', {
  items: { type: 'array', items: jobSchema },
  pageInfo: view('Where this page ends', { endCursor: nullableString, hasNextPage: { type: 'boolean' } }),
});

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

/** Response schemas of an operation that answers with its job. */
export const jobAcceptedResponses = {
  200: { ...jobSchema, description: 'The job already ended (quick operations wait for it)' },
  202: { ...jobSchema, description: 'The job is queued or running; follow Location (/v1/jobs/:id)' },
};

/** 202 Accepted with the job's Location while it has not ended; 200 with the ended job otherwise. */
export function replyWithJob(reply: FastifyReply, job: JobRecord) {
  if (TERMINAL_STATES.has(job.state)) return reply.code(200).send(jobView(job));
  return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(jobView(job));
}
