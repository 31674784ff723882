// GET /v1/swarms/:swarm/tasks: the swarm's tasks, filtered by service, node or desired state, paginated.
import type { FastifyInstance } from 'fastify';
import { taskPage as listTasks, type TaskFilter } from '../../../queries/swarm-queries.ts';
import { keptByUrl, type V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  pageOf,
  pageQueryProperties,
  problemResponses,
  swarmParams,
  taskSchema,
} from '../schemas.ts';

type Query = TaskFilter & { first?: number; after?: string; fresh?: boolean };

export default function listTasksRoute(app: FastifyInstance, { readsOf }: V1Context): void {
  app.get<{ Params: { swarm: string }; Querystring: Query }>(
    '/swarms/:swarm/tasks',
    {
      config: { keepAnswer: keptByUrl },
      schema: {
        operationId: 'listTasks',
        tags: ['tasks'],
        summary: 'List the tasks of a swarm (`docker service ps`)',
        description: 'An unknown service or node is NOT_FOUND; an ambiguous ID prefix is BAD_INPUT.',
        params: swarmParams,
        querystring: closedObject({
          service: { type: 'string', minLength: 1, description: 'Service ID, unique ID prefix or name' },
          node: { type: 'string', minLength: 1, description: 'Node ID, unique ID prefix or hostname' },
          desiredState: { type: 'string', minLength: 1, description: 'RUNNING, SHUTDOWN, ACCEPTED...' },
          ...pageQueryProperties,
          ...freshQueryProperty,
        }),
        response: {
          200: pageOf('A page of tasks, by service, slot and newest first', taskSchema),
          ...problemResponses(400, 404, 503),
        },
      },
    },
    async (request) => {
      const reads = readsOf(request);
      const swarm = await reads.getSwarm(request.params.swarm);
      const { first, after, fresh, ...filter } = request.query;
      return listTasks(reads.withFresh(fresh), swarm, filter, first, after);
    },
  );
}
