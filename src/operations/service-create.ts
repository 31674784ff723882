// serviceCreate: checks the input, the swarm's policy, the networks, secrets and configs it names, and the name,
// then queues service.create (operator). A service of that name with the same spec is no conflict: the job succeeds
// with it.
import { admitServiceSpec, specLookupsOf } from '../domain/service-admission.ts';
import {
  jobInputOf,
  nameTakenConflict,
  sameServiceSpec,
  serviceDefinitionOf,
  type CreateServiceInput,
} from '../domain/service-spec.ts';
import { policyOf } from '../domain/swarm-policy.ts';
import { serviceOperation } from './start-job.ts';

export const serviceCreate = serviceOperation('service.create', jobInputOf<CreateServiceInput>, {
  precheck: async (jobInput, swarm, reads) => {
    const { spec: built } = serviceDefinitionOf(jobInput);
    const spec = await admitServiceSpec(built, policyOf(swarm), specLookupsOf(await reads.clientFor(swarm)));
    const existing = (await reads.services(swarm)).find((service) => service.Spec.Name === spec.Name);
    if (existing && !sameServiceSpec(spec, existing.Spec)) throw nameTakenConflict(spec, existing);
    return { serviceName: spec.Name, ...(existing ? { serviceId: existing.ID } : {}) };
  },
});
