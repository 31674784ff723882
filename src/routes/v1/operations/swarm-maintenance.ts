// POST /v1/swarms/:swarm/maintenance: start a rolling maintenance of the swarm's nodes (operator), a job.
import type { FastifyInstance } from 'fastify';
import {
  swarmMaintenanceStart,
  type SwarmMaintenanceStartInput,
} from '../../../operations/swarm-maintenance.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, dryRunProperty, nodeJobResponses, swarmParams } from '../schemas.ts';
import { operationMeta, refuseInvalidBody } from './swarm-schemas.ts';

type Body = Omit<SwarmMaintenanceStartInput, 'swarm'>;

const seconds = (description: string, minimum: number) => ({
  type: 'integer',
  minimum,
  maximum: 86400,
  description,
});

export default function swarmMaintenanceRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm/maintenance',
    {
      attachValidation: true,
      schema: {
        operationId: 'startMaintenance',
        tags: ['swarms'],
        summary: 'Start a rolling maintenance: drain, hold, bring back each node in turn (operator)',
        description:
          'Answers 202 with the job (swarm.maintenance). Workers go first (batchSize at a time), then managers ' +
          'one at a time under the quorum guard; each replicated service keeps its floor (minAvailable, default ' +
          'desired − 1). A failed step pauses the job (progress step `paused`): POST /v1/jobs/:id/resume goes ' +
          'on, POST /v1/jobs/:id/cancel sets the drained nodes active. With waitForSignal, POST ' +
          '/v1/jobs/:id/continue {node} releases each node. Per-node states: GET /v1/jobs/:id/maintenance.',
        params: swarmParams,
        body: closedObject({
          nodes: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: { type: 'string', minLength: 1 },
            description: 'Nodes by ID, unique ID prefix or hostname (or role, or label)',
          },
          role: { type: 'string', enum: ['WORKER', 'MANAGER'] },
          label: { type: 'string', minLength: 1, description: 'A node label, "key=value" or "key"' },
          batchSize: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
          pauseSeconds: seconds('How long each batch stays out (or waitForSignal)', 0),
          waitForSignal: { type: 'boolean', default: false },
          minAvailable: {
            type: 'array',
            maxItems: 1000,
            items: closedObject(
              {
                service: { type: 'string', minLength: 1 },
                replicas: { type: 'integer', minimum: 0, maximum: 100000 },
              },
              ['service', 'replicas'],
            ),
          },
          rebalance: {
            type: 'array',
            maxItems: 100,
            items: { type: 'string', minLength: 1 },
            description: 'Services force-updated after each batch is back',
          },
          timeoutSeconds: seconds('Bound of each wait (default 600)', 1),
          ...operationMeta,
          dryRun: dryRunProperty,
        }),
        response: nodeJobResponses(),
      },
    },
    async (request, reply) => {
      await refuseInvalidBody(request, deps);
      return replyWithJob(
        reply,
        await swarmMaintenanceStart(deps, operationOf(request), {
          ...request.body,
          swarm: request.params.swarm,
        }),
      );
    },
  );
}
