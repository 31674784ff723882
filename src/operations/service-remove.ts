// serviceRemove: queues service.remove (operator). Idempotent: a service that is already gone is success.
import type { OperationContext } from '../audit/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';
import { isGatewayError } from '../errors.ts';
import { jobInputOf, type ServiceMutationMeta } from '../domain/service-spec.ts';

export interface ServiceRemoveInput extends ServiceMutationMeta {
  service: string;
}

export function serviceRemove(
  deps: OperationDeps,
  ctx: OperationContext,
  input: ServiceRemoveInput,
): Promise<JobRecord> {
  return requestJob(deps, ctx, input, {
    action: 'service.remove',
    input: jobInputOf(input),
    role: 'operator',
    quick: true,
    precheck: async (swarm, reads) => {
      try {
        const service = await reads.service(swarm, input.service);
        return { serviceId: service.ID, serviceName: service.Spec.Name };
      } catch (error) {
        // Already gone (a retried removal): the job succeeds without touching anything.
        if (isGatewayError(error) && error.code === 'NOT_FOUND') return { serviceName: input.service };
        throw error;
      }
    },
  });
}
