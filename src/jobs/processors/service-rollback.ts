// service.rollback: asks Docker to roll back to the service's PreviousSpec, unless this job's rollback is
// already under way (a resumed job must not roll back the rollback), then follows it to rollback_completed.
import { updateServiceSpec } from '../../docker/writes.ts';
import type { DockerService } from '../../docker/types.ts';
import { conflict, GatewayError } from '../../errors.ts';
import { waitLimitMs } from '../../domain/service-spec.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { followService, taskSummary, type Verdict } from './service-progress.ts';
import type { ServiceObservation, TaskCounts } from './service-progress.ts';
import { requestedVersionOf, serviceIdOf } from './service-target.ts';

/** A rollback began after this job was requested: this job's own (before a crash), or Docker's, to the same end. */
function rollbackUnderWay(service: DockerService, requested: number | null): boolean {
  return (
    requested !== null &&
    service.Version.Index !== requested &&
    service.UpdateStatus?.State?.startsWith('rollback') === true
  );
}

function judgeRollback({ service }: ServiceObservation, counts: TaskCounts): Verdict {
  const name = service.Spec.Name;
  const status = service.UpdateStatus;
  const message = taskSummary(counts, 'the previous spec');
  const percent = counts.desired ? (100 * counts.runningCurrent) / counts.desired : 0;
  const docker = status?.Message ? `: ${status.Message}` : '';
  switch (status?.State) {
    case 'rollback_completed':
      return { done: true, message: `rollback completed; ${message}` };
    case 'rollback_started':
      return { done: false, percent, message };
    case 'rollback_paused':
      throw new GatewayError('UPDATE_PAUSED', `Docker paused the rollback of service "${name}"${docker}`, {
        updateState: 'rollback_paused',
        dockerMessage: status.Message ?? null,
      });
    case undefined: {
      const converged = counts.runningCurrent >= counts.desired && counts.running === counts.runningCurrent;
      return converged ? { done: true, message } : { done: false, percent, message };
    }
    default:
      // Someone else updated the service meanwhile: what is there now is theirs, not this rollback's.
      throw conflict(
        `service "${name}" was changed again while rolling back: Docker's update state is ${status?.State}${docker}`,
        { updateState: status?.State ?? null, dockerMessage: status?.Message ?? null },
      );
  }
}

export async function serviceRollbackProcessor(
  ctx: JobContext<'service.rollback'>,
): Promise<JobOutcomeOf<'service.rollback'>> {
  const client = requireClient(ctx);
  const serviceId = serviceIdOf(ctx);
  const requested = requestedVersionOf(ctx);

  const { changed, object } = await updateServiceSpec(
    client,
    serviceId,
    (service) => {
      if (rollbackUnderWay(service, requested)) return null;
      if (!service.PreviousSpec) {
        throw conflict(`service "${service.Spec.Name}" has no previous spec to roll back to`);
      }
      // Docker takes the spec from PreviousSpec; the body must still be a valid spec, so the current one is sent.
      return service.Spec;
    },
    { rollback: true },
  );
  const name = object.Spec.Name;
  const fromImage = (changed ? object.Spec : object.PreviousSpec)?.TaskTemplate.ContainerSpec?.Image ?? null;
  await ctx.progress(
    0,
    'rolling back',
    changed ? 'rollback sent to Docker' : 'rollback under way; following',
  );

  const observation = await followService(ctx, client, serviceId, {
    step: 'rolling back',
    awaiting: `the rollback of service ${name}`,
    timeoutMs: waitLimitMs(ctx.input, 600),
    judge: judgeRollback,
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
