// service.update: a rolling update. Applies the change to the spec unless it is there already (a resumed job
// never applies it twice), then follows Docker's UpdateStatus to completed, paused or rolled back.
import { updateServiceSpec } from '../../docker/writes.ts';
import type { DockerService } from '../../docker/types.ts';
import { GatewayError } from '../../errors.ts';
import { applyServiceChange, serviceChangeOf, specsEqual } from '../../domain/service-spec.ts';
import { specLookupsOf } from '../../domain/service-admission.ts';
import { resolveServiceRefs, specObjectsFor } from '../../domain/service-spec-fields.ts';
import { checkServiceAgainstPolicy } from '../../domain/swarm-policy.ts';
import { inspectService } from '../../docker/reads.ts';
import { currentPolicy } from './service-policy.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { followService, namedTaskError, taskSummary, type Verdict } from './service-progress.ts';
import type { ServiceObservation, TaskCounts } from './service-progress.ts';
import { requestedVersionOf, serviceIdOf } from './service-target.ts';

/**
 * Docker rolled back a spec equal to the one wanted, after this job was requested: this job's change was
 * applied (before a crash) and undone by Docker's failure action. Applying it again would repeat the failure.
 */
function rolledBackAlready(service: DockerService, wanted: DockerService['Spec'], requested: number | null) {
  return (
    requested !== null &&
    service.Version.Index !== requested &&
    service.UpdateStatus?.State?.startsWith('rollback') === true &&
    service.PreviousSpec !== undefined &&
    specsEqual(service.PreviousSpec, wanted)
  );
}

/**
 * The rolling update's verdict from Docker's UpdateStatus and the tasks of the new spec. It remembers why an
 * automatic rollback began (Docker's message then names the failed task; once completed it only says
 * "rollback completed"), so that the failure says why.
 */
export function updateJudge(): (observation: ServiceObservation, counts: TaskCounts) => Verdict {
  let rollbackCause: string | null = null;
  return ({ service, tasks }, counts) => {
    const name = service.Spec.Name;
    const status = service.UpdateStatus;
    const message = taskSummary(counts, 'the new spec');
    const percent = counts.desired ? (100 * counts.runningCurrent) / counts.desired : 0;
    const docker = status?.Message ? `: ${status.Message}` : '';
    const taskError = namedTaskError({ service, tasks });
    const cause = rollbackCause ? `; it began with: ${rollbackCause}` : '';
    switch (status?.State) {
      case 'completed':
        return { done: true, message: `update completed; ${message}` };
      case 'paused':
        throw new GatewayError(
          'UPDATE_PAUSED',
          `Docker paused the rolling update of service "${name}"${docker}${taskError ? ` (task error: ${taskError})` : ''}. ` +
            'Fix the cause and update again, or roll back with rollbackService.',
          { updateState: 'paused', dockerMessage: status.Message ?? null },
        );
      case 'rollback_completed':
        throw new GatewayError(
          'UPDATE_ROLLED_BACK',
          `the update of service "${name}" did not stay: Docker rolled the service back to its previous spec ` +
            `(UpdateStatus rollback_completed${docker}${cause})`,
          { updateState: 'rollback_completed', dockerMessage: status.Message ?? null },
        );
      case 'rollback_paused':
        // Neither the new spec nor the previous one everywhere: as for a paused update, someone must act.
        throw new GatewayError(
          'UPDATE_PAUSED',
          `the update of service "${name}" failed and Docker's rollback paused${docker}${cause}`,
          { updateState: 'rollback_paused', dockerMessage: status.Message ?? null },
        );
      case 'rollback_started':
        rollbackCause ??= `${status.Message ?? 'rollback started'}${taskError ? ` (task error: ${taskError})` : ''}`;
        return { done: false, percent, message: `Docker is rolling the update back${docker}` };
      case 'updating':
        return { done: false, percent, message };
      default: {
        // No status: Docker had nothing to roll out (only service labels or settings changed), or has not begun.
        const converged =
          counts.runningCurrent >= counts.desired &&
          counts.running === counts.runningCurrent &&
          counts.leaving === 0;
        return converged
          ? { done: true, message: `nothing to roll out; ${message}` }
          : { done: false, percent, message };
      }
    }
  };
}

export async function serviceUpdateProcessor(
  ctx: JobContext<'service.update'>,
): Promise<JobOutcomeOf<'service.update'>> {
  const client = requireClient(ctx);
  const serviceId = serviceIdOf(ctx);
  const change = serviceChangeOf(ctx.input);
  const requested = requestedVersionOf(ctx);
  // Checked again now (the policy, networks, secrets and configs may have changed since the request); what the
  // references may name is listed before the versioned update, whose change must be synchronous.
  const policy = await currentPolicy(ctx);
  const current = await inspectService(client, serviceId);
  const objects = await specObjectsFor(applyServiceChange(current.Spec, change), specLookupsOf(client));

  const { changed, object } = await updateServiceSpec(client, serviceId, (service) => {
    const applied = applyServiceChange(service.Spec, change);
    checkServiceAgainstPolicy(applied, policy);
    const wanted = resolveServiceRefs(applied, objects);
    if (specsEqual(wanted, service.Spec)) return null;
    if (rolledBackAlready(service, wanted, requested)) return null;
    return wanted;
  });
  const name = object.Spec.Name;
  const fromImage = (changed ? object.Spec : object.PreviousSpec)?.TaskTemplate.ContainerSpec?.Image ?? null;
  await ctx.progress(
    0,
    'updating',
    changed ? 'update sent to Docker' : 'the spec is already as asked; following',
  );

  const observation = await followService(ctx, client, serviceId, {
    step: 'updating',
    awaiting: `the rolling update of service ${name}`,
    timeoutMs: change.timeoutMs,
    judge: updateJudge(),
  });
  return {
    target: { serviceId, serviceName: name },
    result: {
      serviceId,
      changed,
      fromImage,
      image: observation.service.Spec.TaskTemplate.ContainerSpec?.Image ?? null,
      updateState: observation.service.UpdateStatus?.State ?? null,
    },
  };
}
