// GET /v1/swarms/:swarm/stacks/:stack: one stack by name (`docker stack services` and the stack's networks, secrets
// and configs); NOT_FOUND when no object of the swarm carries its name.
import type { FastifyInstance } from 'fastify';
import { getStack } from '../../../queries/stack-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, freshQueryProperty } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';
import { stackParams, stackSchema } from './schemas.ts';

export default function getStackRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; stack: string }, { fresh?: boolean }>(app, context, {
    url: '/swarms/:swarm/stacks/:stack',
    // Networks, secrets and configs are read from a manager at each request: never kept.
    kept: false,
    schema: {
      operationId: 'getStack',
      tags: ['stacks'],
      summary: 'Get a stack by name: its services, networks, secrets and configs',
      params: stackParams,
      querystring: closedObject({ ...freshQueryProperty }),
    },
    answer: stackSchema,
    read: (reads, swarm, params, query) =>
      getStack(reads.withFresh(query.fresh), swarm, params.stack, 'params.stack'),
  });
}
