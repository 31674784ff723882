// service.remove: removes the service; one that is gone already (removed before, or by this job before a
// crash) is success.
import { removeService } from '../../docker/writes.ts';
import { isGatewayError } from '../../errors.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';

export async function serviceRemoveProcessor(
  ctx: JobContext<'service.remove'>,
): Promise<JobOutcomeOf<'service.remove'>> {
  const client = requireClient(ctx);
  const serviceId = ctx.job.target.serviceId;
  const name = ctx.job.target.serviceName ?? null;
  // No id: the service did not exist when the removal was asked for; nothing to do.
  if (typeof serviceId !== 'string' || !serviceId) {
    return { result: { removed: false, message: `no service "${String(name)}": nothing to remove` } };
  }
  await ctx.progress(0, 'removing', `removing service ${String(name ?? serviceId)}`);
  try {
    await removeService(client, serviceId);
  } catch (error) {
    if (isGatewayError(error) && error.code === 'NOT_FOUND') {
      return { result: { serviceId, removed: false, message: 'the service was already gone' } };
    }
    throw error;
  }
  await ctx.progress(100, 'removing', 'removed');
  return { result: { serviceId, removed: true } };
}
