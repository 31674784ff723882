// The caller's tenant's approval policy (viewer), the same for both doors.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { ApprovalPolicy } from '../domain/approval-policy.ts';
import type { ApprovalRepository } from '../jobs/approvals.ts';

export async function approvalPolicyOf(
  approvals: ApprovalRepository,
  principal: Principal,
): Promise<ApprovalPolicy> {
  requireRole(principal, 'viewer', "read the tenant's approval policy");
  return approvals.policy(principal.tenant);
}
