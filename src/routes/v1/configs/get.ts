// GET /v1/swarms/:swarm/configs/:config: one config by ID, unique ID prefix or name.
import type { FastifyInstance } from 'fastify';
import { getConfig } from '../../../queries/swarm-objects.ts';
import type { V1Context } from '../context.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';
import { configParams, configSchema } from '../swarm-object-schemas.ts';

export default function getConfigRoute(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string; config: string }>(app, context, {
    url: '/swarms/:swarm/configs/:config',
    kept: false,
    schema: {
      operationId: 'getConfig',
      tags: ['configs'],
      summary: 'Get a config by ID, unique ID prefix or name (`docker config inspect`), never its data',
      params: configParams,
    },
    answer: configSchema,
    read: (reads, swarm, params) => getConfig(reads, swarm, params.config),
  });
}
