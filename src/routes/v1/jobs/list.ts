// GET /v1/jobs: jobs of the caller's tenant, newest first, filtered by state, type or swarm.
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../../plugins/app/auth.ts';
import { listJobs } from '../../../queries/job-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, JOB_STATES, jobPageSchema, problemResponses } from '../schemas.ts';

interface Query {
  state?: string;
  type?: string;
  swarm?: string;
  first?: number;
  after?: string;
}

export default function listJobsRoute(app: FastifyInstance, { deps }: V1Context): void {
  app.get<{ Querystring: Query }>(
    '/jobs',
    {
      schema: {
        operationId: 'listJobs',
        tags: ['jobs'],
        summary: 'Jobs of the tenant, newest first',
        querystring: closedObject({
          state: { type: 'string', enum: [...JOB_STATES, ...JOB_STATES.map((state) => state.toLowerCase())] },
          type: { type: 'string', description: 'The operation, e.g. node.drain' },
          swarm: { type: 'string', description: 'Swarm id or name' },
          first: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          after: { type: 'string', description: 'endCursor of the previous page' },
        }),
        response: { 200: jobPageSchema, ...problemResponses(400, 403) },
      },
    },
    async (request) => {
      const { first, after, ...filter } = request.query;
      return listJobs(deps.jobs.repository, principalOf(request), filter, first, after);
    },
  );
}
