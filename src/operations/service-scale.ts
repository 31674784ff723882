// scaleService: queues service.scale for a replicated service (operator); a global one is BAD_INPUT. Quick: the
// answer waits briefly for the tasks.
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { jobInputOf, replicasOf, waitLimitMs, type ServiceMutationMeta } from '../domain/service-spec.ts';
import { startJob } from './start-job.ts';

export interface ServiceScaleInput extends ServiceMutationMeta {
  service: string;
  replicas: number;
  timeoutSeconds?: number | null;
}

export function serviceScale(
  deps: OperationDeps,
  ctx: OperationContext,
  input: ServiceScaleInput,
): Promise<JobRecord> {
  const jobInput = jobInputOf(input);
  return startJob(deps, ctx, {
    action: 'service.scale',
    swarm: input.swarm,
    input: jobInput,
    reason: input.reason,
    idempotencyKey: input.idempotencyKey,
    role: 'operator',
    quick: true,
    precheck: async (swarm, reads) => {
      replicasOf(jobInput);
      waitLimitMs(jobInput, 120);
      const service = await reads.service(swarm, input.service);
      if (service.Spec.Mode?.Global !== undefined) {
        throw badInput(`service "${service.Spec.Name}" is global (one task per node): it cannot be scaled`);
      }
      return { serviceId: service.ID, serviceName: service.Spec.Name, serviceVersion: service.Version.Index };
    },
  });
}
