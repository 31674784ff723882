// Approvals: Query.approvalPolicy (viewer), setApprovalPolicy (admin), approveJob and rejectJob, through the same
// query and operations as REST.
import { approvalPolicySet } from '../../operations/approval-policy-set.ts';
import { jobApprove, jobReject } from '../../operations/job-approve.ts';
import { approvalPolicyOf } from '../../queries/approval-policy-queries.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/types.ts';

export const approvalQueries: Pick<QueryResolvers, 'approvalPolicy'> = {
  approvalPolicy: (_root, _args, { principal, deps }) => approvalPolicyOf(deps.jobs.approvals, principal),
};

export const approvalMutations: Pick<MutationResolvers, 'setApprovalPolicy' | 'approveJob' | 'rejectJob'> = {
  setApprovalPolicy: (_root, { input }, { deps, operation }) => approvalPolicySet(deps, operation, input),
  approveJob: (_root, { input }, { deps, operation }) => jobApprove(deps, operation, input).then(toJobView),
  rejectJob: (_root, { input }, { deps, operation }) => jobReject(deps, operation, input).then(toJobView),
};
