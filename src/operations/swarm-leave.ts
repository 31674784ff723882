// leaveSwarm: makes a node's own engine leave its swarm (admin), as a job that ends when the swarm shows it Down.
// A manager leaves only with force and only when the quorum guard allows it; removing the node is removeNode.
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { engineOf } from '../docker/engine.ts';
import { engineInfo, hostnameOf } from '../docker/reads.ts';
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import { proveEngine } from '../domain/swarm-membership.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { checkManagerLoss } from '../domain/quorum-guard.ts';
import { requestJob, type JobRequest } from './start-job.ts';
import type { SwarmLeaveJobInput } from '../jobs/types.ts';

export interface SwarmLeaveInput extends JobRequest {
  node: string;
  endpoint: EngineEndpoint;
  force?: boolean | null | undefined;
}

export function swarmLeave(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmLeaveInput,
): Promise<JobRecord> {
  const jobInput: SwarmLeaveJobInput = {
    node: input.node,
    endpoint: { url: input.endpoint.url, tls: input.endpoint.tls ?? null },
    force: input.force ?? false,
  };
  // The job's input: its endpoint is replaced by the one the policy checked (with the address to connect to).
  const stored: typeof jobInput = { ...jobInput };
  return requestJob(deps, ctx, input, {
    action: 'swarm.leave',
    // Not `node`: the node is resolved (and named in the audit) only once the engine proved it belongs to this swarm,
    // so that a registered swarm's node list (a fake manager's, say) cannot get another swarm's node into the record.
    input: stored,
    forced: jobInput.force,
    role: 'admin',
    precheck: async (swarm, reads, learn) => {
      const endpoint = await deps.endpointPolicy.check(jobInput.endpoint, ctx.principal, 'endpoint');
      stored.endpoint = endpoint;
      const node = await reads.fresh().node(swarm, jobInput.node);
      // The engine's own view: it must be a node of this swarm's cluster (proveEngine), and the node named. Only then
      // is the node recorded (learn): a node list can name any id, the engine's own answer cannot be forged.
      const info = await engineInfo(engineOf(endpoint, ctx.principal.roles), deps.dockerTimeoutMs);
      proveEngine(info, swarm, endpoint.url);
      if (info.Swarm.NodeID !== node.ID) {
        throw badInput(
          `the engine at ${endpoint.url} is not node ${jobInput.node} of swarm "${swarm.name}": give the endpoint ` +
            `of that node's own engine`,
        );
      }
      const nodeName = hostnameOf(node);
      learn({ nodeId: node.ID, nodeName });
      if (node.Spec.Role === 'manager') {
        if (!jobInput.force) {
          throw badInput(
            `${nodeName} is a manager of swarm "${swarm.name}": demote it first (recommended), or pass ` +
              'force: true to make it leave as a manager (the quorum guard still applies)',
          );
        }
        checkManagerLoss(await reads.fresh().nodes(swarm), node.ID, {
          force: jobInput.force,
          verb: 'leaving',
          swarmName: swarm.name,
        });
      }
      return { nodeId: node.ID, nodeName };
    },
  });
}
