// service.scale: sets Mode.Replicated.Replicas (versioned, not sent again when already so), then waits until
// exactly that many tasks run.
import { updateServiceSpec } from '../../docker/writes.ts';
import { badInput } from '../../errors.ts';
import { replicasOf, waitLimitMs } from '../../domain/service-spec.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { followService, observeService, countTasks, taskSummary } from './service-progress.ts';
import { serviceIdOf } from './service-target.ts';

export async function serviceScaleProcessor(
  ctx: JobContext<'service.scale'>,
): Promise<JobOutcomeOf<'service.scale'>> {
  const client = requireClient(ctx);
  const serviceId = serviceIdOf(ctx);
  const replicas = replicasOf(ctx.input);
  const before = countTasks(await observeService(client, serviceId)).running;

  const { changed, object } = await updateServiceSpec(client, serviceId, (service) => {
    if (service.Spec.Mode?.Global !== undefined) {
      throw badInput(`service "${service.Spec.Name}" is global (one task per node): it cannot be scaled`);
    }
    if ((service.Spec.Mode?.Replicated?.Replicas ?? 1) === replicas) return null;
    return { ...service.Spec, Mode: { Replicated: { Replicas: replicas } } };
  });
  const previousReplicas = object.Spec.Mode?.Replicated?.Replicas ?? 1;
  await ctx.progress(0, 'scaling', `${before} → ${replicas} tasks`);

  await followService(ctx, client, serviceId, {
    step: 'scaling',
    awaiting: `service ${object.Spec.Name} to run ${replicas} tasks`,
    timeoutMs: waitLimitMs(ctx.input, 120),
    judge: (_observation, counts) => {
      const message = taskSummary(counts);
      if (counts.running === replicas && counts.leaving === 0) return { done: true, message };
      const distance = Math.abs(replicas - before);
      const moved = distance === 0 ? 0 : distance - Math.abs(replicas - counts.running);
      return { done: false, percent: distance === 0 ? 0 : (100 * moved) / distance, message };
    },
  });
  return {
    target: { serviceId, serviceName: object.Spec.Name },
    result: { serviceId, replicas, previousReplicas, changed },
  };
}
