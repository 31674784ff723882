// serviceUpdate: checks the change and queues service.update, the rolling update job (operator).
import type { OperationContext } from '../audit/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';
import {
  jobInputOf,
  serviceChangeOf,
  versionedServiceTarget,
  type UpdateServiceInput,
} from '../domain/service-spec.ts';

export function serviceUpdate(
  deps: OperationDeps,
  ctx: OperationContext,
  input: UpdateServiceInput,
): Promise<JobRecord> {
  const jobInput = jobInputOf(input);
  return requestJob(deps, ctx, input, {
    action: 'service.update',
    input: jobInput,
    role: 'operator',
    precheck: async (swarm, reads) => {
      serviceChangeOf(jobInput);
      return versionedServiceTarget(await reads.service(swarm, input.service));
    },
  });
}
