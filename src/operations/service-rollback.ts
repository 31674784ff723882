// serviceRollback: queues service.rollback to the service's previous spec (operator); a service without one is
// CONFLICT.
import type { OperationContext } from '../audit/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';
import { conflict } from '../errors.ts';
import {
  jobInputOf,
  versionedServiceTarget,
  waitLimitMs,
  type ServiceMutationMeta,
} from '../domain/service-spec.ts';

export interface ServiceRollbackInput extends ServiceMutationMeta {
  service: string;
  timeoutSeconds?: number | null;
}

export function serviceRollback(
  deps: OperationDeps,
  ctx: OperationContext,
  input: ServiceRollbackInput,
): Promise<JobRecord> {
  const jobInput = jobInputOf(input);
  return requestJob(deps, ctx, input, {
    action: 'service.rollback',
    input: jobInput,
    role: 'operator',
    precheck: async (swarm, reads) => {
      waitLimitMs(jobInput, 600);
      const service = await reads.service(swarm, input.service);
      if (!service.PreviousSpec) {
        throw conflict(`service "${service.Spec.Name}" has no previous spec to roll back to`);
      }
      // The version lets a resumed job see that its rollback is under way, and not roll back the rollback.
      return versionedServiceTarget(service);
    },
  });
}
