// GET and PUT /v1/swarms/:swarm/policy: what the swarm's services may do beyond the defaults (bind mounts of host
// paths, added capabilities, privileges). Reading needs viewer, setting admin (audited as swarm.policy.set).
import type { FastifyInstance } from 'fastify';
import { swarmPolicySet, type SwarmPolicySetInput } from '../../../operations/swarm-policy-set.ts';
import { swarmPolicyView } from '../../../queries/swarm-policy-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, problemResponses, swarmParams } from '../schemas.ts';
import { swarmReadRoute } from '../swarm-read-route.ts';

const strings = { type: 'array', items: { type: 'string' } } as const;

export const swarmPolicySchema = {
  type: 'object',
  description: "What the swarm's services may do beyond the defaults: nothing, until an admin allows it",
  required: ['bindMountPaths', 'capabilities', 'allowPrivileges'],
  properties: {
    bindMountPaths: {
      ...strings,
      description:
        'Host paths (absolute, normalised) a bind mount’s source may be, or be under; ["/"] allows all',
    },
    capabilities: { ...strings, description: 'Capabilities services may add (CAP_ names)' },
    allowPrivileges: { type: 'boolean', description: 'Whether services may set privileges' },
  },
} as const;

const setPolicyBody = closedObject(
  {
    bindMountPaths: {
      ...strings,
      maxItems: 50,
      description: 'Absolute host paths; each allows itself and everything under it. Replaces the list.',
    },
    capabilities: {
      ...strings,
      maxItems: 64,
      description: 'Capability names (NET_ADMIN or CAP_NET_ADMIN). Replaces the list.',
    },
    allowPrivileges: { type: 'boolean' },
    reason: { type: 'string', description: 'Why, for the audit log' },
    idempotencyKey: { type: 'string', description: 'Accepted for symmetry: setting a policy is idempotent' },
  },
  ['bindMountPaths', 'capabilities', 'allowPrivileges'],
);

export default function swarmPolicyRoutes(app: FastifyInstance, context: V1Context): void {
  swarmReadRoute<{ swarm: string }>(app, context, {
    url: '/swarms/:swarm/policy',
    kept: false,
    schema: {
      operationId: 'getSwarmPolicy',
      tags: ['swarms'],
      summary: "The swarm's policy: host paths services may bind-mount, capabilities they may add (viewer)",
      params: swarmParams,
    },
    answer: swarmPolicySchema,
    read: (_reads, swarm) => swarmPolicyView(swarm),
  });

  const { deps, operationOf } = context;
  app.put<{ Params: { swarm: string }; Body: Omit<SwarmPolicySetInput, 'swarm'> }>(
    '/swarms/:swarm/policy',
    {
      schema: {
        operationId: 'setSwarmPolicy',
        tags: ['swarms'],
        summary: "Replace the swarm's policy (admin)",
        description:
          'Audited as swarm.policy.set with the policy set and the one it replaced. Service creates and updates ' +
          '(and stack deploys) that mount a host path, add a capability or set privileges the policy does not ' +
          'allow are refused with 403 FORBIDDEN, at the request and again when their job runs.',
        params: swarmParams,
        body: setPolicyBody,
        response: { 200: swarmPolicySchema, ...problemResponses(400, 403, 404, 413, 415, 503) },
      },
    },
    async (request) =>
      swarmPolicySet(deps, operationOf(request), { ...request.body, swarm: request.params.swarm }),
  );
}
