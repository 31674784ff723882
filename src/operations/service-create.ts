// serviceCreate: checks the input and the name, then queues service.create (operator). A service of that name
// with the same spec is no conflict: the job succeeds with it.
import {
  jobInputOf,
  nameTakenConflict,
  sameServiceSpec,
  serviceDefinitionOf,
  type CreateServiceInput,
} from '../domain/service-spec.ts';
import { serviceOperation } from './start-job.ts';

export const serviceCreate = serviceOperation('service.create', jobInputOf<CreateServiceInput>, {
  precheck: async (jobInput, swarm, reads) => {
    const { spec } = serviceDefinitionOf(jobInput);
    const existing = (await reads.services(swarm)).find((service) => service.Spec.Name === spec.Name);
    if (existing && !sameServiceSpec(spec, existing.Spec)) throw nameTakenConflict(spec, existing);
    return { serviceName: spec.Name, ...(existing ? { serviceId: existing.ID } : {}) };
  },
});
