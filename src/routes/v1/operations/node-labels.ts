// PATCH /v1/swarms/:swarm/nodes/:node/labels: add or replace and remove node labels; other labels stay (operator).
import type { FastifyInstance } from 'fastify';
import { nodeLabelsUpdate, type NodeLabelsUpdateInput } from '../../../operations/node-labels.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import {
  closedObject,
  dryRunProperty,
  jobAcceptedResponses,
  nodeParams,
  problemResponses,
} from '../schemas.ts';

type Body = Omit<NodeLabelsUpdateInput, 'swarm' | 'node'>;

const labelInput = closedObject(
  { key: { type: 'string', minLength: 1 }, value: { type: 'string', default: '' } },
  ['key'],
);

export default function nodeLabelsRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.patch<{ Params: { swarm: string; node: string }; Body: Body }>(
    '/swarms/:swarm/nodes/:node/labels',
    {
      schema: {
        operationId: 'updateNodeLabels',
        tags: ['nodes'],
        summary: 'Add and remove node labels (`docker node update --label-add/--label-rm`) (operator)',
        description: 'Answers 200 with the ended job; its result holds the labels after the change.',
        params: nodeParams,
        body: closedObject({
          add: { type: 'array', items: labelInput, description: 'Labels to set (added or replaced)' },
          remove: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            description: 'Keys to remove; unknown keys are ignored',
          },
          reason: { type: 'string', description: 'Why, for the audit log' },
          idempotencyKey: {
            type: 'string',
            description: 'The same key and input again answers with the same job',
          },
          dryRun: dryRunProperty,
        }),
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await nodeLabelsUpdate(deps, operationOf(request), { ...request.body, ...request.params }),
      ),
  );
}
