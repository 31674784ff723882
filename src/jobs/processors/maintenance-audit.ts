// Every change a maintenance makes is audited as the operation it is: a node's drain, pause and activation
// (node.drain, node.pause, node.activate), a service scaled for a floor or back (service.scale), a rebalance
// (service.update): `requested` before the change, `succeeded` or `failed` after, on behalf of whoever started the
// maintenance, naming the maintenance job. The operation id is derived from the job, the step and its subject, so a
// step run again after a crash keeps its id and its outcome pairs with its request.
import { createHash } from 'node:crypto';
import type { AuditPhase, AuditSource, AuditTarget } from '../../audit/types.ts';
import { outcomeOf } from '../../errors.ts';
import type { JobContext } from '../processor.ts';

export type MaintenanceStep =
  'node.drain' | 'node.pause' | 'node.activate' | 'service.scale' | 'service.update';

/** One audited step: what it is, on what (a node or a service), and the parameters it was made with. */
export interface StepAudit {
  step: MaintenanceStep;
  /** Tells apart two steps of the same kind on the same subject (a scale-up and the scale back). */
  key: string;
  target: AuditTarget;
  parameters?: Record<string, unknown>;
}

/** A UUID-shaped id from the job, the step and its key: the same step of the same job always gets the same one. */
function stepOperationId(jobId: string, { step, key }: StepAudit): string {
  const hex = createHash('sha256').update(`${jobId}\n${step}\n${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function auditStep(
  context: JobContext<'swarm.maintenance'>,
  audit: StepAudit,
  phase: AuditPhase,
  outcome: { errorCode?: string; errorMessage?: string } = {},
): Promise<void> {
  const { job } = context;
  await context.deps.audit.append({
    tenant: job.tenant,
    operationId: stepOperationId(job.id, audit),
    phase,
    action: audit.step,
    actor: {
      sub: job.requestedBy.sub,
      actors: job.requestedBy.actors,
      roles: job.requestedBy.roles,
      source: job.requestedBy.source as AuditSource,
      clientAddress: job.clientAddress,
      userAgent: job.userAgent,
      requestId: job.requestId,
    },
    target: { swarmId: job.swarmId, swarmName: job.swarmName, ...audit.target },
    parameters: { ...audit.parameters, maintenanceJob: job.id },
    reason: job.reason,
    errorCode: outcome.errorCode ?? null,
    errorMessage: outcome.errorMessage ?? null,
    jobId: job.id,
  });
}

/** A quick change, audited around itself: `requested`, the change, then `succeeded` or `failed` (and rethrown). */
export async function audited<T>(
  context: JobContext<'swarm.maintenance'>,
  audit: StepAudit,
  change: () => Promise<T>,
): Promise<T> {
  await auditStep(context, audit, 'requested');
  try {
    const result = await change();
    await auditStep(context, audit, 'succeeded');
    return result;
  } catch (error) {
    const { code, message } = outcomeOf(error);
    await auditStep(context, audit, 'failed', { errorCode: code, errorMessage: message });
    throw error;
  }
}
