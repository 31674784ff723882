// POST /v1/swarms/:swarm/services: create a service (`docker service create`) as a job (operator).
import type { FastifyInstance } from 'fastify';
import { serviceCreate } from '../../../operations/service-create.ts';
import type { CreateServiceInput } from '../../../domain/service-spec.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { jobAcceptedResponses, problemResponses, swarmParams } from '../schemas.ts';
import { createServiceBody } from './service-schemas.ts';

type Body = Omit<CreateServiceInput, 'swarm'>;

export default function serviceCreateRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm/services',
    {
      schema: {
        operationId: 'createService',
        tags: ['services'],
        summary: 'Create a service (`docker service create`) (operator)',
        description:
          'Answers 202 with the job, which ends when the desired tasks run (progress per running task), fails ' +
          'with IMAGE_MISSING naming the nodes that reject the tasks with "No such image", or after ' +
          'timeoutSeconds. The same name with the same spec again succeeds with the existing service; another ' +
          'spec under that name is 409 CONFLICT. A bind mount, an added capability or privileges that the ' +
          'swarm’s policy does not allow are 403 FORBIDDEN (GET/PUT /v1/swarms/:swarm/policy); a network, ' +
          'secret or config the swarm lacks is 400 naming the field.',
        params: swarmParams,
        body: createServiceBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await serviceCreate(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
      ),
  );
}
