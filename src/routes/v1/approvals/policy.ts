// GET and PUT /v1/approval-policy: the caller's tenant's approval rules. Reading needs viewer, setting admin
// (audited as approval.policy.set).
import type { FastifyInstance } from 'fastify';
import { MAX_APPROVAL_RULES, MAX_APPROVERS } from '../../../domain/approval-policy.ts';
import { approvalPolicySet, type ApprovalPolicySetInput } from '../../../operations/approval-policy-set.ts';
import { principalOf } from '../../../plugins/app/auth.ts';
import { approvalPolicyOf } from '../../../queries/approval-policy-queries.ts';
import type { V1Context } from '../context.ts';
import { closedObject, problemResponses, view } from '../schemas.ts';

const nullableString = { type: ['string', 'null'] } as const;

export const approvalPolicySchema = view("The tenant's approval policy: which operations wait for approval", {
  rules: {
    type: 'array',
    items: view('One rule', {
      action: { type: 'string', description: 'A job type (audit action): node.demote, stack.remove...' },
      swarmLabel: { ...nullableString, description: "key=value on the swarm's labels; null: every swarm" },
      approvals: { type: 'integer', description: 'Distinct approvers needed' },
      role: { type: 'string', description: 'The least role of an approver' },
      expiresInMinutes: { type: 'number', description: 'How long the job waits for its approvals' },
    }),
  },
  updatedBy: nullableString,
  updatedAt: { type: ['string', 'null'], format: 'date-time' },
});

const ruleInput = closedObject(
  {
    action: {
      type: 'string',
      maxLength: 64,
      description: 'A job type: node.demote, swarm.leave, stack.remove...',
    },
    swarmLabel: { type: ['string', 'null'], maxLength: 400, description: 'key=value, e.g. env=prod' },
    approvals: { type: 'integer', minimum: 1, maximum: MAX_APPROVERS },
    role: {
      type: ['string', 'null'],
      enum: ['viewer', 'operator', 'admin', null],
      description: 'Default admin',
    },
    expiresInMinutes: { type: ['number', 'null'], description: 'Default 60; 0.05 to 43200' },
  },
  ['action', 'approvals'],
);

const setPolicyBody = closedObject(
  {
    rules: {
      type: 'array',
      maxItems: MAX_APPROVAL_RULES,
      items: ruleInput,
      description: 'Replaces every rule',
    },
    reason: { type: 'string', description: 'Why, for the audit log' },
  },
  ['rules'],
);

export default function approvalPolicyRoutes(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.get(
    '/approval-policy',
    {
      schema: {
        operationId: 'getApprovalPolicy',
        tags: ['jobs'],
        summary: "The tenant's approval policy (viewer)",
        response: { 200: approvalPolicySchema, ...problemResponses(403) },
      },
    },
    async (request) => approvalPolicyOf(deps.jobs.approvals, principalOf(request)),
  );

  app.put<{ Body: ApprovalPolicySetInput }>(
    '/approval-policy',
    {
      schema: {
        operationId: 'setApprovalPolicy',
        tags: ['jobs'],
        summary: "Replace the tenant's approval rules (admin)",
        description:
          'Audited as approval.policy.set with the rules set and the ones they replaced. A job whose action and ' +
          'swarm a rule matches is answered 202 AWAITING_APPROVAL and queued once approved (/v1/jobs/:id/approve).',
        body: setPolicyBody,
        response: { 200: approvalPolicySchema, ...problemResponses(400, 403, 503) },
      },
    },
    async (request) => approvalPolicySet(deps, operationOf(request), request.body),
  );
}
