// Whether a job must wait for approval: the tenant's approval policy matched against the action and the swarm's
// labels, when the job is created (startJob), after its checks and never for a dry run.
import { approvalFor, type JobApproval } from '../domain/approval-policy.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';

export async function approvalRequired(
  deps: OperationDeps,
  swarm: SwarmRecord,
  action: string,
): Promise<JobApproval | null> {
  const policy = await deps.jobs.approvals.policy(swarm.tenant);
  return approvalFor(policy.rules, action, swarm.labels);
}
