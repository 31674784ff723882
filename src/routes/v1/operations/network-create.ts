// POST /v1/swarms/:swarm/networks: create an overlay network (`docker network create -d overlay`) (operator).
import type { FastifyInstance } from 'fastify';
import type { CreateNetworkInput } from '../../../domain/swarm-objects.ts';
import { networkCreate } from '../../../operations/network-create.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { jobAcceptedResponses, problemResponses, swarmParams } from '../schemas.ts';
import { createNetworkBody } from '../swarm-object-schemas.ts';

export default function networkCreateRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Omit<CreateNetworkInput, 'swarm'> }>(
    '/swarms/:swarm/networks',
    {
      schema: {
        operationId: 'createNetwork',
        tags: ['networks'],
        summary: 'Create an overlay network (`docker network create --driver overlay`) (operator)',
        description:
          'A quick job: answers 200 with the ended job (202 if it is still running). Subnets are checked first ' +
          '(network addresses, gateways inside, no overlaps); a network of that name already is 409 CONFLICT.',
        params: swarmParams,
        body: createNetworkBody,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await networkCreate(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
      ),
  );
}
