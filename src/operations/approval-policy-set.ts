// setApprovalPolicy: replaces the tenant's approval rules (admin of the tenant): which operations, on which swarms,
// wait for how many approvers of which role, and for how long. A quick audited change (approval.policy.set) whose
// events record the rules set and the ones they replaced.
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import {
  approvalRulesOf,
  MAX_APPROVAL_RULES,
  type ApprovalPolicy,
  type ApprovalRuleInput,
} from '../domain/approval-policy.ts';
import { isJobType } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';

export interface ApprovalPolicySetInput {
  rules: ApprovalRuleInput[];
  reason?: string | null | undefined;
}

export function approvalPolicySet(
  deps: OperationDeps,
  ctx: OperationContext,
  input: ApprovalPolicySetInput,
): Promise<ApprovalPolicy> {
  const tenant = ctx.principal.tenant;
  let previous: ApprovalPolicy | null = null;
  return runOperation(deps, ctx, {
    action: 'approval.policy.set',
    // Bounded before anything is checked: a request of ten thousand rules is refused, not written out in full.
    parameters: { rules: input.rules.slice(0, MAX_APPROVAL_RULES + 1) },
    reason: input.reason,
    // The caller's own tenant's policy: there is nothing to look up, nor another tenant's to name.
    locate: () => Promise.resolve({ tenant, target: {} }),
    execute: async () => {
      requireRole(ctx.principal, 'admin', "set the tenant's approval policy");
      const rules = approvalRulesOf(input.rules, isJobType);
      previous = await deps.jobs.approvals.policy(tenant);
      return deps.jobs.approvals.setPolicy(tenant, rules, ctx.principal.sub);
    },
    summarize: (policy) => ({ result: { rules: policy.rules, previous: previous?.rules ?? [] } }),
  });
}
