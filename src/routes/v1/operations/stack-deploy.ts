// POST /v1/swarms/:swarm/stacks: deploy a stack from a compose file (`docker stack deploy`) (operator). The body is
// deployStack's input without the swarm; a dry run answers 200 with the ended job and its plan.
import type { FastifyInstance } from 'fastify';
import { MAX_COMPOSE_BYTES } from '../../../domain/stack-compose.ts';
import { stackDeploy } from '../../../operations/stack-deploy.ts';
import { replyWithJob } from '../job-reply.ts';
import type { V1Context } from '../context.ts';
import { closedObject, jobAcceptedResponses, problemResponses, swarmParams } from '../schemas.ts';
import { serviceMutationMeta, timeoutSecondsProperty } from './service-schemas.ts';

interface Body {
  name: string;
  compose: string;
  env?: string[];
  prune?: boolean;
  dryRun?: boolean;
  timeoutSeconds?: number;
  reason?: string;
  idempotencyKey?: string;
}

const body = closedObject(
  {
    name: { type: 'string', minLength: 1, maxLength: 64, description: 'The stack’s name' },
    compose: {
      type: 'string',
      minLength: 1,
      // Characters, not bytes: the operation checks the byte size.
      maxLength: MAX_COMPOSE_BYTES,
      description:
        'The compose file’s YAML text (at most 512 KiB); the job and audit keep its sha256 and size',
    },
    env: {
      type: 'array',
      maxItems: 1000,
      items: { type: 'string' },
      description:
        'KEY=VALUE strings for ${KEY} in the file and for secrets and configs given with environment: KEY ' +
        '(kept sealed; the job and audit show the keys only)',
    },
    prune: {
      type: 'boolean',
      default: false,
      description: 'Remove the stack’s objects that the file no longer has',
    },
    timeoutSeconds: timeoutSecondsProperty(180),
    ...serviceMutationMeta,
    // Its own words (after the shared dryRun): a stack's dry run is a quick job that plans.
    dryRun: { type: 'boolean', default: false, description: 'Answer the plan only: nothing changes' },
  },
  ['name', 'compose'],
);

export default function stackDeployRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.post<{ Params: { swarm: string }; Body: Body }>(
    '/swarms/:swarm/stacks',
    {
      schema: {
        operationId: 'deployStack',
        tags: ['stacks'],
        summary: 'Deploy a stack from a compose file (`docker stack deploy`) (operator)',
        description:
          'Validates the file against the Compose Specification, converts it as the docker CLI does (objects ' +
          'named <stack>_<key>, labelled com.docker.stack.namespace), plans (the job’s plan: create, update with ' +
          'the spec diff, remove with prune, unchanged, ignored keys), applies and waits until every service ' +
          'runs its tasks. Answers 202 and the job’s Location; a dry run answers 200 with the ended job and its ' +
          'plan, changing nothing.',
        params: swarmParams,
        body,
        response: { ...jobAcceptedResponses, ...problemResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request, reply) =>
      replyWithJob(
        reply,
        await stackDeploy(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
      ),
  );
}
