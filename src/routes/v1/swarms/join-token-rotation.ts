// GET and PUT /v1/swarms/:swarm/join-token-rotation: the swarm's scheduled join-token rotation (every N days, and/or
// after every join through swarmgate). Reading needs viewer, setting admin (audited as swarm.joinToken.schedule).
import type { FastifyInstance } from 'fastify';
import { MAX_EVERY_DAYS } from '../../../domain/join-token-rotation.ts';
import {
  swarmJoinTokenRotationSet,
  type SwarmJoinTokenRotationSetInput,
} from '../../../operations/swarm-join-token-rotation-set.ts';
import { swarmJoinTokenRotation } from '../../../queries/join-token-rotation-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, problemResponses, swarmParams } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

const instant = { type: ['string', 'null'], format: 'date-time' } as const;

export const joinTokenRotationSchema = {
  type: 'object',
  description: 'When the schedule rotates the join tokens: off until an admin sets it',
  required: ['everyDays', 'afterJoin', 'lastRotatedAt', 'nextAt'],
  properties: {
    everyDays: { type: ['integer', 'null'], description: 'Days between periodic rotations; null: none' },
    afterJoin: { type: 'boolean', description: "Rotate the joining role's token after every join" },
    lastRotatedAt: { ...instant, description: 'When the schedule last started a rotation' },
    nextAt: { ...instant, description: 'When the next periodic rotation is due' },
  },
} as const;

const setBody = closedObject(
  {
    everyDays: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: MAX_EVERY_DAYS,
      description: `Days between periodic rotations, 1 to ${MAX_EVERY_DAYS}; null or 0 turns it off`,
    },
    afterJoin: {
      type: 'boolean',
      description: "Rotate the joining role's token after every join (default false)",
    },
    reason: { type: 'string', description: 'Why, for the audit log' },
    idempotencyKey: {
      type: 'string',
      description: 'Accepted for symmetry: setting a schedule is idempotent',
    },
  },
  [],
);

export default function joinTokenRotationRoutes(app: FastifyInstance, context: V1Context): void {
  const { deps, operationOf } = context;
  swarmReadRoute<{ swarm: string }>(app, context, {
    url: '/swarms/:swarm/join-token-rotation',
    kept: false,
    schema: {
      operationId: 'getJoinTokenRotation',
      tags: ['swarms'],
      summary: "The swarm's scheduled join-token rotation (viewer)",
      params: swarmParams,
    },
    answer: joinTokenRotationSchema,
    read: (_reads, swarm) => swarmJoinTokenRotation(deps.joinTokenSchedule?.rotations, swarm),
  });

  app.put<{ Params: { swarm: string }; Body: Omit<SwarmJoinTokenRotationSetInput, 'swarm'> }>(
    '/swarms/:swarm/join-token-rotation',
    {
      schema: {
        operationId: 'setJoinTokenRotation',
        tags: ['swarms'],
        summary: "Set the swarm's scheduled join-token rotation (admin)",
        description:
          'Audited as swarm.joinToken.schedule. Every `everyDays` days both tokens (worker, then manager) are ' +
          'rotated; with `afterJoin` the token of the role that joined is rotated after every join through ' +
          'swarmgate. Each rotation is a swarm.joinToken.rotate job audited as done by the schedule (principal ' +
          '"schedule"). A rotation missed while no gateway ran runs once at start.',
        params: swarmParams,
        body: setBody,
        response: { 200: joinTokenRotationSchema, ...problemResponses(400, 403, 404, 413, 415, 503) },
      },
    },
    async (request) =>
      swarmJoinTokenRotationSet(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
  );
}
