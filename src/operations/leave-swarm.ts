// leaveSwarm: makes a node's own engine leave its swarm (admin), as a job that ends when the swarm shows it Down.
// A manager leaves only with force and only when the quorum guard allows it; removing the node is removeNode.
import { validateEndpoint, type EngineEndpoint } from '../docker/endpoint.ts';
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from './pipeline.ts';
import { checkManagerLoss } from './quorum-guard.ts';
import { startJob } from './start-job.ts';

export const LEAVE_SWARM = 'swarm.leave';

/** What the job stores, sealed (the endpoint's TLS key); the node comes from the job's target. */
export interface LeaveSwarmJobInput {
  node: string;
  endpoint: EngineEndpoint;
  force: boolean;
}

export interface LeaveSwarmInput {
  swarm: string;
  node: string;
  endpoint: EngineEndpoint;
  force?: boolean | null | undefined;
  reason?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
}

export function leaveSwarm(
  deps: OperationDeps,
  ctx: OperationContext,
  input: LeaveSwarmInput,
): Promise<JobRecord> {
  const jobInput: LeaveSwarmJobInput = {
    node: input.node,
    endpoint: { url: input.endpoint.url, tls: input.endpoint.tls ?? null },
    force: input.force ?? false,
  };
  return startJob(deps, ctx, {
    action: LEAVE_SWARM,
    swarm: input.swarm,
    node: jobInput.node,
    input: { ...jobInput },
    reason: input.reason,
    forced: jobInput.force,
    idempotencyKey: input.idempotencyKey,
    role: 'admin',
    precheck: async (swarm, reads, learn) => {
      validateEndpoint(jobInput.endpoint);
      const node = await reads.node(swarm, jobInput.node);
      const nodeName = node.Description?.Hostname ?? node.ID;
      learn({ nodeId: node.ID, nodeName });
      if (node.Spec.Role === 'manager') {
        if (!jobInput.force) {
          throw badInput(
            `${nodeName} is a manager of swarm "${swarm.name}": demote it first (recommended), or pass ` +
              'force: true to make it leave as a manager (the quorum guard still applies)',
          );
        }
        checkManagerLoss(await reads.nodes(swarm), node.ID, {
          force: jobInput.force,
          verb: 'leaving',
          swarmName: swarm.name,
        });
      }
      return { nodeId: node.ID, nodeName };
    },
  });
}
