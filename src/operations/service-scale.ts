// serviceScale: queues service.scale for a replicated service (operator); a global one is BAD_INPUT. Quick: the
// answer waits briefly for the tasks.
import type { OperationContext } from '../audit/types.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';
import { badInput } from '../errors.ts';
import {
  jobInputOf,
  replicasOf,
  versionedServiceTarget,
  waitLimitMs,
  type ServiceMutationMeta,
} from '../domain/service-spec.ts';

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
  return requestJob(deps, ctx, input, {
    action: 'service.scale',
    input: jobInput,
    role: 'operator',
    quick: true,
    precheck: async (swarm, reads) => {
      replicasOf(jobInput);
      waitLimitMs(jobInput, 120);
      const service = await reads.service(swarm, input.service);
      if (service.Spec.Mode?.Global !== undefined) {
        throw badInput(`service "${service.Spec.Name}" is global (one task per node): it cannot be scaled`);
      }
      return versionedServiceTarget(service);
    },
  });
}
