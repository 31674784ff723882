// A dry run's answer (`dryRun: true` on a mutation): startJob has located the swarm, checked the role and run the
// request's own checks (their refusals stay refusals); here, instead of creating and queueing the job, the plan of
// what it would do is computed and answered as a Job that is neither stored nor queued (id `plan:<uuid>`, SUCCEEDED,
// dryRun, plan set, result null). The pipeline audits it as a read: `requested` and `succeeded`, with the summary.
import { randomUUID } from 'node:crypto';
import { redactSecrets } from '../audit/redact.ts';
import type { AuditTarget, OperationContext } from '../audit/types.ts';
import type { JobRecord, JobType } from '../jobs/types.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { planOf, type Plan } from './plans.ts';
import type { JobSpec } from './start-job.ts';

/** The prefix of a plan's id: never a job's (a uuid), so `job(id)` finds none. */
export const PLAN_ID_PREFIX = 'plan:';

export interface PlanRequest {
  swarm: SwarmRecord;
  reads: SwarmReads;
  /** Everything known of the target: located, and learned by the checks. */
  target: AuditTarget;
  operationId: string;
}

export async function planJob<T extends JobType>(
  _deps: OperationDeps,
  ctx: OperationContext,
  spec: JobSpec<T>,
  { swarm, reads, target, operationId }: PlanRequest,
): Promise<JobRecord> {
  const plan = await planOf({
    action: spec.action,
    input: spec.input,
    swarm,
    reads,
    target,
    forced: spec.forced ?? false,
  });
  const now = new Date().toISOString();
  return {
    id: `${PLAN_ID_PREFIX}${randomUUID()}`,
    tenant: swarm.tenant,
    type: spec.action,
    state: 'succeeded',
    swarmId: swarm.id,
    swarmName: swarm.name,
    target,
    parameters: { ...(redactSecrets(spec.input) as Record<string, unknown>), dryRun: true },
    reason: spec.reason?.trim() || null,
    forced: spec.forced ?? false,
    operationId,
    requestedBy: {
      sub: ctx.principal.sub,
      actors: [...ctx.principal.actors],
      roles: [...ctx.principal.roles],
      source: ctx.source,
    },
    clientAddress: ctx.clientAddress ?? null,
    userAgent: ctx.userAgent ?? null,
    requestId: ctx.requestId ?? null,
    idempotencyKey: null,
    progress: { percent: 100, step: 'planned', message: plan.summary },
    result: null,
    errorCode: null,
    errorMessage: null,
    attempts: 0,
    cancelRequested: false,
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    updatedAt: now,
    dryRun: true,
    plan,
  };
}

/** What the audit's outcome keeps of a plan: that it was one, and its summary (the plan itself is the answer). */
export function planAuditResult(job: JobRecord): { dryRun: true; planId: string; summary: string } {
  const plan = job.plan as Plan | undefined;
  return { dryRun: true, planId: job.id, summary: plan?.summary ?? '' };
}
