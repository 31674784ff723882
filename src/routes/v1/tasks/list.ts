// GET /v1/swarms/:swarm/tasks: the swarm's tasks, filtered by service, node or desired state, paginated.
import type { FastifyInstance } from 'fastify';
import { taskPage, type TaskFilter } from '../../../queries/swarm-queries.ts';
import type { V1Context } from '../context.ts';
import {
  closedObject,
  freshQueryProperty,
  pageOf,
  pageQueryProperties,
  swarmParams,
  taskSchema,
} from '../schemas.ts';
import { pageRead, swarmReadRoute, type PageQuery } from '../swarm-read-route.ts';

export default function listTasksRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }, PageQuery<TaskFilter>>(app, context, {
    url: '/swarms/:swarm/tasks',
    kept: true,
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
    },
    answer: pageOf('A page of tasks, by service, slot and newest first', taskSchema),
    read: pageRead(taskPage),
  });
}
