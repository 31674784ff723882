// POST /v1/swarms/:swarm/join-tokens/rotate: replace the worker or manager join token (admin, with a reason).
import type { FastifyInstance } from 'fastify';
import {
  swarmRotateJoinToken,
  type SwarmRotateJoinTokenInput,
} from '../../../operations/swarm-rotate-join-token.ts';
import { TERMINAL_STATES } from '../../../jobs/types.ts';
import type { V1Context } from '../context.ts';
import { toJobView } from '../../../queries/views.ts';
import { closedObject, dryRunProperty, jobSchema, problemResponses, swarmParams } from '../schemas.ts';
import { nodeRoleInput, operationMeta, refuseInvalidBody } from './swarm-schemas.ts';

type Body = Omit<SwarmRotateJoinTokenInput, 'swarm'>;

const payloadSchema = {
  type: 'object',
  required: ['job', 'token'],
  properties: {
    job: jobSchema,
    token: {
      type: ['string', 'null'],
      description: 'The new token (secret), only with reveal: true once the job succeeded; else null',
    },
  },
};

export default function swarmRotateJoinTokenRoute(
  app: FastifyInstance,
  { deps, operationOf }: V1Context,
): void {
  app.post<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm/join-tokens/rotate',
    {
      attachValidation: true,
      schema: {
        operationId: 'rotateJoinToken',
        tags: ['swarms'],
        summary: 'Rotate the worker or manager join token (admin, with a reason)',
        description:
          'A quick job: answers 200 with the ended job, or 202 with its Location if it takes longer. Nodes ' +
          'already joined are unaffected. The new token is stored nowhere; with `reveal: true` it is read ' +
          'from the swarm after the job succeeded (an audited join-token read) and answered with no-store.',
        params: swarmParams,
        body: closedObject(
          {
            role: { ...nodeRoleInput, description: 'Which token to rotate' },
            reveal: { type: 'boolean', default: false, description: 'Answer with the new token' },
            ...operationMeta,
            dryRun: dryRunProperty,
          },
          ['role'],
        ),
        response: {
          200: { ...payloadSchema, description: 'The rotation ended (see job.state)' },
          202: { ...payloadSchema, description: 'Still running; follow Location (/v1/jobs/:id)' },
          ...problemResponses(400, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      await refuseInvalidBody(request, deps);
      const { job, token } = await swarmRotateJoinToken(deps, operationOf(request), {
        ...request.body,
        swarm: request.params.swarm,
      });
      if (token !== null) void reply.header('cache-control', 'no-store');
      if (!TERMINAL_STATES.has(job.state)) void reply.code(202).header('location', `/v1/jobs/${job.id}`);
      return { job: toJobView(job), token };
    },
  );
}
