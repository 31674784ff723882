// serviceUpdate: checks the change and queues service.update, the rolling update job (operator).
import {
  jobInputOf,
  serviceChangeOf,
  versionedServiceTarget,
  type UpdateServiceInput,
} from '../domain/service-spec.ts';
import { serviceOperation } from './start-job.ts';

export const serviceUpdate = serviceOperation('service.update', jobInputOf<UpdateServiceInput>, {
  precheck: async (jobInput, swarm, reads, input) => {
    serviceChangeOf(jobInput);
    return versionedServiceTarget(await reads.service(swarm, input.service));
  },
});
