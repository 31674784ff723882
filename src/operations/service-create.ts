// serviceCreate: checks the input and the name, then queues service.create (operator). A service of that name
// with the same spec is no conflict: the job succeeds with it.
import type { OperationContext } from '../audit/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';
import {
  jobInputOf,
  nameTakenConflict,
  sameServiceSpec,
  serviceDefinitionOf,
  type CreateServiceInput,
} from '../domain/service-spec.ts';

export function serviceCreate(
  deps: OperationDeps,
  ctx: OperationContext,
  input: CreateServiceInput,
): Promise<JobRecord> {
  const jobInput = jobInputOf(input);
  return requestJob(deps, ctx, input, {
    action: 'service.create',
    input: jobInput,
    role: 'operator',
    precheck: async (swarm, reads) => {
      const { spec } = serviceDefinitionOf(jobInput);
      const existing = (await reads.services(swarm)).find((service) => service.Spec.Name === spec.Name);
      if (existing && !sameServiceSpec(spec, existing.Spec)) throw nameTakenConflict(spec, existing);
      return { serviceName: spec.Name, ...(existing ? { serviceId: existing.ID } : {}) };
    },
  });
}
