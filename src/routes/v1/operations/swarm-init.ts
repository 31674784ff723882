// POST /v1/swarms/init: create a new swarm on an engine in none and register it in the caller's tenant (admin).
import type { FastifyInstance } from 'fastify';
import { swarmInit, type SwarmInitInput } from '../../../operations/swarm-init.ts';
import type { V1Context } from '../context.ts';
import { replyWithJob } from '../job-reply.ts';
import { closedObject, jobAcceptedResponses, problemResponses } from '../schemas.ts';
import { engineEndpointInput, labelsInput, operationMeta } from './swarm-schemas.ts';

export default function swarmInitRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Body: SwarmInitInput }>(
    '/swarms/init',
    {
      schema: {
        operationId: 'initSwarm',
        tags: ['swarms'],
        summary: 'Initialize a new swarm on an engine and register it (admin)',
        description:
          'A quick job: `docker swarm init` on the engine, then the registration in the caller’s tenant. ' +
          'The job’s result names the new swarm (swarmId). ALREADY_IN_SWARM when the engine is in one.',
        body: closedObject(
          {
            name: { type: 'string', description: 'The name to register the new swarm under' },
            endpoint: engineEndpointInput,
            advertiseAddress: { type: 'string' },
            listenAddress: { type: 'string', description: 'Default 0.0.0.0:2377' },
            autolock: {
              type: 'boolean',
              default: false,
              description:
                'The unlock key is not stored nor returned: `docker swarm unlock-key` on the manager',
            },
            certExpirySeconds: { type: 'integer', minimum: 3600, description: 'Node certificate validity' },
            labels: labelsInput,
            ...operationMeta,
          },
          ['name', 'endpoint'],
        ),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 409, 503) },
      },
    },
    async (request, reply) => replyWithJob(reply, await swarmInit(deps, operationOf(request), request.body)),
  );
}
