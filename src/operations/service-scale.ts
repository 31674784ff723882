// serviceScale: queues service.scale for a replicated service (operator); a global one is BAD_INPUT. Quick: the
// answer waits briefly for the tasks.
import { badInput } from '../errors.ts';
import {
  jobInputOf,
  replicasOf,
  versionedServiceTarget,
  waitLimitMs,
  type ServiceMutationMeta,
} from '../domain/service-spec.ts';
import { serviceOperation } from './start-job.ts';

export interface ServiceScaleInput extends ServiceMutationMeta {
  service: string;
  replicas: number;
  timeoutSeconds?: number | null;
}

export const serviceScale = serviceOperation('service.scale', jobInputOf<ServiceScaleInput>, {
  quick: true,
  precheck: async (jobInput, swarm, reads, input) => {
    replicasOf(jobInput);
    waitLimitMs(jobInput, 120);
    const service = await reads.service(swarm, input.service);
    if (service.Spec.Mode?.Global !== undefined) {
      throw badInput(`service "${service.Spec.Name}" is global (one task per node): it cannot be scaled`);
    }
    return versionedServiceTarget(service);
  },
});
