// serviceRollback: queues service.rollback to the service's previous spec (operator); a service without one is
// CONFLICT.
import { conflict } from '../errors.ts';
import {
  jobInputOf,
  versionedServiceTarget,
  waitLimitMs,
  type ServiceMutationMeta,
} from '../domain/service-spec.ts';
import { serviceOperation } from './start-job.ts';

export interface ServiceRollbackInput extends ServiceMutationMeta {
  service: string;
  timeoutSeconds?: number | null;
}

export const serviceRollback = serviceOperation('service.rollback', jobInputOf<ServiceRollbackInput>, {
  precheck: async (jobInput, swarm, reads, input) => {
    waitLimitMs(jobInput, 600);
    const service = await reads.service(swarm, input.service);
    if (!service.PreviousSpec) {
      throw conflict(`service "${service.Spec.Name}" has no previous spec to roll back to`);
    }
    // The version lets a resumed job see that its rollback is under way, and not roll back the rollback.
    return versionedServiceTarget(service);
  },
});
