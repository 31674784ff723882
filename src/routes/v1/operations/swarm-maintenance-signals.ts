// The signals of a maintenance job and its per-node record: POST /v1/jobs/:id/continue {node} (the node's patch is
// done), POST /v1/jobs/:id/resume (after a failed step paused it), GET /v1/jobs/:id/maintenance (each node's state).
import type { FastifyInstance } from 'fastify';
import { swarmMaintenanceContinue, swarmMaintenanceResume } from '../../../operations/swarm-maintenance.ts';
import { principalOf } from '../../../plugins/app/auth.ts';
import { getJob } from '../../../queries/job-queries.ts';
import { maintenanceNodesOf } from '../../../queries/maintenance-queries.ts';
import { toJobView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobSchema, pathParams, problemResponses, view } from '../schemas.ts';

const jobParams = pathParams({ id: 'The maintenance job id' });
const nullableString = { type: ['string', 'null'] };

const maintenanceNodeSchema = view('One node of a maintenance, as the job recorded it', {
  nodeId: { type: 'string' },
  hostname: { type: 'string' },
  role: { type: 'string', enum: ['WORKER', 'MANAGER'] },
  state: {
    type: 'string',
    enum: ['PENDING', 'DRAINING', 'DRAINED', 'WAITING_SIGNAL', 'ACTIVATING', 'DONE', 'FAILED'],
  },
  message: nullableString,
  continuedAt: nullableString,
  startedAt: nullableString,
  endedAt: nullableString,
});

export default function maintenanceSignalRoutes(
  app: FastifyInstance,
  { deps, operationOf }: V1Context,
): void {
  app.post<{ Params: { id: string }; Body: { node: string; reason?: string } }>(
    '/jobs/:id/continue',
    {
      schema: {
        operationId: 'continueMaintenance',
        tags: ['jobs'],
        summary: "Tell a maintenance that a node's patch is done (operator)",
        params: jobParams,
        body: closedObject(
          {
            node: { type: 'string', minLength: 1, description: 'ID, unique ID prefix or hostname' },
            reason: { type: 'string', description: 'Why, for the audit log' },
          },
          ['node'],
        ),
        response: { 200: jobSchema, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request) =>
      toJobView(
        await swarmMaintenanceContinue(deps, operationOf(request), {
          job: request.params.id,
          ...request.body,
        }),
      ),
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/jobs/:id/resume',
    {
      schema: {
        operationId: 'resumeMaintenance',
        tags: ['jobs'],
        summary: 'Resume a maintenance paused on a failed step (operator)',
        params: jobParams,
        body: closedObject({ reason: { type: 'string', description: 'Why, for the audit log' } }),
        response: { 200: jobSchema, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request) =>
      toJobView(
        await swarmMaintenanceResume(deps, operationOf(request), {
          job: request.params.id,
          reason: request.body?.reason,
        }),
      ),
  );

  app.get<{ Params: { id: string } }>(
    '/jobs/:id/maintenance',
    {
      schema: {
        operationId: 'maintenanceNodes',
        tags: ['jobs'],
        summary: "A maintenance job's nodes in order, each with its state (viewer)",
        params: jobParams,
        response: {
          200: view('The nodes of the maintenance', {
            nodes: { type: 'array', items: maintenanceNodeSchema },
          }),
          ...problemResponses(400, 403, 404),
        },
      },
    },
    async (request) => {
      const job = await getJob(deps.jobs.repository, principalOf(request), request.params.id);
      return { nodes: await maintenanceNodesOf(deps.pool, job) };
    },
  );
}
