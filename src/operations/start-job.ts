// The door of every operation that changes a swarm: audit `requested`, check, create and queue the job (the worker
// writes the outcome when it ends). Quick operations wait briefly for their job, so they answer finished.
import { requireRole } from '../auth/authorize.ts';
import type { TenantRole } from '../auth/principal.ts';
import type { AuditTarget } from '../audit/types.ts';
import type { NewJob } from '../jobs/repository.ts';
import { TERMINAL_STATES, type JobInput, type JobRecord, type JobType } from '../jobs/types.ts';
import { createSwarmReads, type SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { nodeTargetOf } from './live-node.ts';
import { knownFields, type OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';
import { findSwarmFor } from '../domain/swarm-registration.ts';
import { approvalRequired } from './approval-required.ts';
import { planAuditResult, planJob } from './plan-job.ts';

export interface JobSpec<T extends JobType> {
  /** The operation as the audit names it; also the job's type, which picks its processor. */
  action: T;
  /** The swarm, by id or name, as the caller gave it. */
  swarm: string;
  /** Everything the processor needs (stored sealed; shown and audited without secrets). */
  input: JobInput<T>;
  reason?: string | null | undefined;
  reasonRequired?: boolean;
  forced?: boolean;
  idempotencyKey?: string | null | undefined;
  /** The least role that may do this in the swarm's tenant. */
  role: TenantRole;
  /**
   * The node the operation acts on, as the caller named it (ID, unique ID prefix or hostname). It is resolved
   * before `requested` is written, so that every event of the operation names the node, a refused one too (and
   * `audit?node=` finds it); a reference that names no node is recorded as given.
   */
  node?: string;
  /**
   * Resolve `node` from a live listing of the swarm's nodes (a manager asked now, never the swarm state): for
   * operations whose precheck decides on quorum from that listing (liveNode), which then reuses it. The request lists
   * the nodes once, and an unreachable swarm costs it one Docker time-out, not one for the audit and one for the check.
   */
  nodeFromManagers?: boolean;
  /**
   * Checks made before anything is queued, against the swarm as it is now (the node exists, quorum holds...).
   * Returns what it learned about the target (node id and hostname...); `learn` records that before a check that
   * may refuse, so that the refusal names it too.
   */
  precheck?: (
    swarm: SwarmRecord,
    reads: SwarmReads,
    learn: (target: AuditTarget) => void,
  ) => Promise<AuditTarget | void>;
  /** Wait for the job to end (up to the configured quick wait) before answering. */
  quick?: boolean;
  /**
   * Answer what the job would do (a plan, src/operations/plan-job.ts) instead of creating it: the same checks and
   * refusals, audited as a read, nothing stored nor queued.
   */
  dryRun?: boolean | null | undefined;
}

const POLL_MS = 50;

/** What a caller gives any queued operation besides its own fields. */
export interface JobRequest {
  /** The swarm, by id or name. */
  swarm: string;
  reason?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** Answer the plan only, change nothing (JobSpec.dryRun). */
  dryRun?: boolean | null | undefined;
}

/** The service jobs: their operations take the swarm, reason and idempotency key beside the job's own input. */
type ServiceJobType = Extract<JobType, `service.${string}`>;

/**
 * A service operation (operator): its job's input is the operation's without swarm, reason and idempotency key
 * (`toJobInput`), and `precheck` refuses at once what the job would refuse, naming the service for the audit.
 */
export function serviceOperation<I extends JobRequest, T extends ServiceJobType>(
  action: T,
  toJobInput: (input: I) => JobInput<T>,
  options: {
    quick?: boolean;
    precheck: (
      jobInput: JobInput<T>,
      swarm: SwarmRecord,
      reads: SwarmReads,
      input: I,
      /** Records what is known of the target before a check that may refuse, so that the refusal names it. */
      learn: (target: AuditTarget) => void,
    ) => Promise<AuditTarget>;
  },
): (deps: OperationDeps, ctx: OperationContext, input: I) => Promise<JobRecord> {
  return (deps, ctx, input) => {
    const jobInput = toJobInput(input);
    return requestJob(deps, ctx, input, {
      action,
      input: jobInput,
      role: 'operator',
      quick: options.quick ?? false,
      precheck: (swarm, reads, learn) => options.precheck(jobInput, swarm, reads, input, learn),
    });
  };
}

/** startJob for an operation whose input carries the swarm, the reason and the idempotency key. */
export function requestJob<T extends JobType>(
  deps: OperationDeps,
  ctx: OperationContext,
  request: JobRequest,
  spec: Omit<JobSpec<T>, Exclude<keyof JobRequest, 'dryRun'>>,
): Promise<JobRecord> {
  return startJob(deps, ctx, {
    ...spec,
    swarm: request.swarm,
    reason: request.reason,
    idempotencyKey: request.idempotencyKey,
    dryRun: spec.dryRun ?? request.dryRun,
  });
}

export function startJob<T extends JobType>(
  deps: OperationDeps,
  ctx: OperationContext,
  spec: JobSpec<T>,
): Promise<JobRecord> {
  let swarm: SwarmRecord;
  let located: AuditTarget = {};
  let replay = false;
  let planned = false;
  const dryRun = spec.dryRun === true;
  // One set of reads for the request: the node resolved for the audit is the one the checks read (memoised, the fresh
  // reads too).
  const reads = createSwarmReads(deps, ctx.principal);
  return runOperation(deps, ctx, {
    action: spec.action,
    // A dry run's events say so (the plan is audited as a read).
    parameters: dryRun ? { ...spec.input, dryRun: true } : spec.input,
    reason: spec.reason,
    reasonRequired: spec.reasonRequired,
    forced: spec.forced,
    locate: async () => {
      swarm = await findSwarmFor(deps, ctx.principal, spec.swarm);
      located = {
        swarmId: swarm.id,
        swarmName: swarm.name,
        ...(spec.node === undefined
          ? {}
          : await nodeTargetOf(spec.nodeFromManagers ? reads.fresh() : reads, swarm, spec.node)),
      };
      return { tenant: swarm.tenant, target: located };
    },
    execute: async ({ operationId, addTarget }) => {
      requireRole(ctx.principal, spec.role, spec.action);
      const target = knownFields((await spec.precheck?.(swarm, reads, addTarget)) ?? {});
      addTarget(target);
      // A dry run stops here: past the checks and refusals of the real request, before anything is stored (and
      // before any approval: a plan changes nothing, so it needs none).
      if (dryRun) {
        planned = true;
        return planJob(deps, ctx, spec, { swarm, reads, target: { ...located, ...target }, operationId });
      }
      const { job, created } = await createAndQueue(deps, {
        tenant: swarm.tenant,
        type: spec.action,
        swarmId: swarm.id,
        swarmName: swarm.name,
        target: { ...located, ...target },
        input: spec.input,
        reason: spec.reason?.trim() || null,
        forced: spec.forced ?? false,
        operationId,
        ctx,
        idempotencyKey: spec.idempotencyKey ?? null,
        // A rule of the tenant's approval policy matched: the job waits, not queued (src/operations/job-approve.ts).
        approval: await approvalRequired(deps, swarm, spec.action),
      });
      replay = !created;
      // A job awaiting approval will not end within a quick wait.
      return spec.quick && job.state !== 'awaiting_approval' ? waitForEnd(deps, job) : job;
    },
    // A replayed idempotency key gets its own outcome (the job it names); a new job's outcome comes from its worker.
    // A plan's outcome is written now, with a summary of it (no job: nothing was stored).
    summarize: (job) =>
      planned
        ? { result: planAuditResult(job) }
        : replay
          ? { jobId: job.id, result: { idempotentReplayOf: job.id } }
          : { jobId: job.id, deferred: true },
  });
}

/**
 * Creates the job row (an idempotent replay returns the existing job, `created: false`) and queues a new one.
 * Not queued: the job ends here and the caller's pipeline writes the operation's outcome (QUEUE_UNAVAILABLE).
 */
export async function createAndQueue(
  deps: OperationDeps,
  newJob: NewJob,
): Promise<{ job: JobRecord; created: boolean }> {
  const { job, created } = await deps.jobs.repository.create(newJob);
  if (!created) return { job, created };
  // Queued by its last approval (jobs/approvals.ts), not now.
  if (job.state === 'awaiting_approval') {
    deps.jobs.publish(job);
    return { job, created };
  }
  try {
    await deps.jobs.queue.enqueue(job.id, job.type);
  } catch (error) {
    await deps.jobs.repository.finish(
      job.id,
      { state: 'failed', errorCode: 'QUEUE_UNAVAILABLE', errorMessage: 'the job could not be queued' },
      () => Promise.resolve(null),
    );
    throw error;
  }
  deps.jobs.publish(job);
  return { job, created };
}

/** The job once it ended, or as it is when the quick wait runs out. */
export async function waitForEnd(deps: OperationDeps, job: JobRecord): Promise<JobRecord> {
  const deadline = Date.now() + deps.quickWaitMs;
  let current = job;
  while (!TERMINAL_STATES.has(current.state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = (await deps.jobs.repository.get(job.id)) ?? current;
  }
  return current;
}
