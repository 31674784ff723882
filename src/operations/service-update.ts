// updateService: checks the change and queues service.update, the rolling update job (operator).
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { jobInputOf, serviceChangeOf, type UpdateServiceInput } from '../domain/service-spec.ts';
import { startJob } from './start-job.ts';

export function serviceUpdate(
  deps: OperationDeps,
  ctx: OperationContext,
  input: UpdateServiceInput,
): Promise<JobRecord> {
  const jobInput = jobInputOf(input);
  return startJob(deps, ctx, {
    action: 'service.update',
    swarm: input.swarm,
    input: jobInput,
    reason: input.reason,
    idempotencyKey: input.idempotencyKey,
    role: 'operator',
    precheck: async (swarm, reads) => {
      serviceChangeOf(jobInput);
      const service = await reads.service(swarm, input.service);
      // The version lets a resumed job tell its own earlier change from the state it was asked to change.
      return { serviceId: service.ID, serviceName: service.Spec.Name, serviceVersion: service.Version.Index };
    },
  });
}
