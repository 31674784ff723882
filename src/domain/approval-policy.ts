// A tenant's approval policy: which operations (audit actions), on which swarms (a label selector), wait for other
// principals of the tenant to approve them, how many, with what role, and for how long. Pure: the policy is
// checked when an admin sets it, matched when a job is requested, and a job's approval is checked when one is given.
import type { Principal, TenantRole } from '../auth/principal.ts';
import { badInput, forbidden } from '../errors.ts';

export interface ApprovalRule {
  /** The audit action (a job type): node.demote, swarm.leave, stack.remove... */
  action: string;
  /** `key=value` on the swarm's labels, or null for every swarm of the tenant. */
  swarmLabel: string | null;
  /** How many distinct approvers, 1 to 5. */
  approvals: number;
  /** The least role of an approver. */
  role: TenantRole;
  /** How long the job waits for its approvals before it ends cancelled (fractions allowed, for short waits). */
  expiresInMinutes: number;
}

export interface ApprovalPolicy {
  rules: ApprovalRule[];
  updatedBy: string | null;
  updatedAt: string | null;
}

/** One approval given to a job. */
export interface ApprovalGiven {
  sub: string;
  actors: string[];
  at: string;
}

/** What a job matched by a rule waits for (stored on the job row, shown on the Job). */
export interface JobApproval {
  required: number;
  role: TenantRole;
  expiresAt: string;
  given: ApprovalGiven[];
}

export interface ApprovalRuleInput {
  action: string;
  swarmLabel?: string | null | undefined;
  approvals: number;
  role?: string | null | undefined;
  expiresInMinutes?: number | null | undefined;
}

export const MAX_APPROVAL_RULES = 50;
export const MAX_APPROVERS = 5;
/** Three seconds: short enough for a test, long enough for no job to expire before its answer is sent. */
export const MIN_EXPIRY_MINUTES = 0.05;
/** Thirty days. */
export const MAX_EXPIRY_MINUTES = 30 * 24 * 60;
const DEFAULT_EXPIRY_MINUTES = 60;
const APPROVER_ROLES: readonly TenantRole[] = ['viewer', 'operator', 'admin'];
const LABEL = /^([^=\s]{1,128})=([^=\s]{0,256})$/;

/**
 * The rules as stored: every field checked (BAD_INPUT naming `rules[i].field`), defaults filled in.
 * `isAction` says whether an action is one that can wait for approval (the job types).
 */
export function approvalRulesOf(
  inputs: readonly ApprovalRuleInput[],
  isAction: (action: string) => boolean,
): ApprovalRule[] {
  if (inputs.length > MAX_APPROVAL_RULES) {
    throw badInput(`rules may hold at most ${MAX_APPROVAL_RULES} rules`, { field: 'rules' });
  }
  const seen = new Set<string>();
  return inputs.map((input, index) => {
    const field = (name: string) => `rules[${index}].${name}`;
    const fail = (name: string, message: string) =>
      badInput(`${field(name)} ${message}`, { field: field(name) });
    const action = input.action.trim();
    if (!isAction(action)) {
      throw fail(
        'action',
        'must be an operation that runs as a job (node.demote, swarm.leave, stack.remove...)',
      );
    }
    const swarmLabel = input.swarmLabel?.trim() || null;
    if (swarmLabel !== null && !LABEL.test(swarmLabel)) {
      throw fail('swarmLabel', 'must be "key=value" (no spaces, one "="), e.g. env=prod');
    }
    if (!Number.isInteger(input.approvals) || input.approvals < 1 || input.approvals > MAX_APPROVERS) {
      throw fail('approvals', `must be a whole number from 1 to ${MAX_APPROVERS}`);
    }
    const role = (input.role ?? 'admin').trim().toLowerCase();
    if (!APPROVER_ROLES.includes(role as TenantRole)) throw fail('role', 'must be viewer, operator or admin');
    const expiresInMinutes = input.expiresInMinutes ?? DEFAULT_EXPIRY_MINUTES;
    if (
      !Number.isFinite(expiresInMinutes) ||
      expiresInMinutes < MIN_EXPIRY_MINUTES ||
      expiresInMinutes > MAX_EXPIRY_MINUTES
    ) {
      throw fail('expiresInMinutes', `must be from ${MIN_EXPIRY_MINUTES} to ${MAX_EXPIRY_MINUTES}`);
    }
    // Two rules for the same action and selector would make the answer depend on their order.
    const key = `${action} ${swarmLabel ?? ''}`;
    if (seen.has(key)) throw fail('action', `repeats a rule for ${action} on the same swarms`);
    seen.add(key);
    return { action, swarmLabel, approvals: input.approvals, role: role as TenantRole, expiresInMinutes };
  });
}

/** Whether the rule applies to a swarm with these labels. */
function selects(rule: ApprovalRule, labels: Readonly<Record<string, string>>): boolean {
  if (rule.swarmLabel === null) return true;
  const [key, value] = rule.swarmLabel.split('=') as [string, string];
  return Object.hasOwn(labels, key) && labels[key] === value;
}

/**
 * The approval a job of `action` on a swarm with `labels` must wait for, or null when no rule matches. When several
 * match, the strictest wins: most approvers, then the strongest role, then the shortest wait.
 */
export function approvalFor(
  rules: readonly ApprovalRule[],
  action: string,
  labels: Readonly<Record<string, string>>,
  now = Date.now(),
): JobApproval | null {
  const rank = (role: TenantRole) => APPROVER_ROLES.indexOf(role);
  const matching = rules
    .filter((rule) => rule.action === action && selects(rule, labels))
    .sort(
      (a, b) =>
        b.approvals - a.approvals || rank(b.role) - rank(a.role) || a.expiresInMinutes - b.expiresInMinutes,
    );
  const rule = matching[0];
  if (!rule) return null;
  return {
    required: rule.approvals,
    role: rule.role,
    expiresAt: new Date(now + Math.round(rule.expiresInMinutes * 60_000)).toISOString(),
    given: [],
  };
}

/** Who asked for the job, as stored on it. */
export interface Requester {
  sub: string;
  actors: readonly string[];
}

/**
 * Refuses (FORBIDDEN, saying why) an approver who is the requester, or acts for or through the requester (a bot
 * whose token carries the requester's sub, or a chain naming the requester), or who already approved. Principals of
 * another tenant, a platform admin's included, never approve: the second pair of eyes is the tenant's own.
 */
export function checkApprover(
  approver: Principal,
  job: { tenant: string; requestedBy: Requester },
  approval: JobApproval,
): void {
  const requester = job.requestedBy.sub;
  if (approver.tenant !== job.tenant) {
    throw forbidden(`approvals come from principals of the job's tenant "${job.tenant}"`);
  }
  if (approver.sub === requester) {
    const through = approver.actors.length > 0 ? ` (through ${approver.actors.join(' → ')})` : '';
    throw forbidden(
      `${requester} asked for this job and cannot approve or reject it${through}: another principal must decide`,
    );
  }
  if (approver.actors.includes(requester)) {
    throw forbidden(`${requester} asked for this job and acts in this token: another principal must decide`);
  }
  if (approval.given.some((given) => given.sub === approver.sub)) {
    throw forbidden(
      `${approver.sub} already approved this job: another principal must give the next approval`,
    );
  }
}
