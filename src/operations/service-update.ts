// serviceUpdate: checks the change, and the service as it would be against the swarm's policy and its networks,
// secrets and configs, then queues service.update, the rolling update job (operator).
import { admitServiceSpec, specLookupsOf } from '../domain/service-admission.ts';
import {
  applyServiceChange,
  jobInputOf,
  serviceChangeOf,
  versionedServiceTarget,
  type UpdateServiceInput,
} from '../domain/service-spec.ts';
import { policyOf } from '../domain/swarm-policy.ts';
import { serviceOperation } from './start-job.ts';

export const serviceUpdate = serviceOperation('service.update', jobInputOf<UpdateServiceInput>, {
  precheck: async (jobInput, swarm, reads, input, learn) => {
    const change = serviceChangeOf(jobInput);
    const service = await reads.service(swarm, input.service);
    const target = versionedServiceTarget(service);
    learn(target);
    const wanted = applyServiceChange(service.Spec, change);
    await admitServiceSpec(wanted, policyOf(swarm), specLookupsOf(await reads.clientFor(swarm)));
    return target;
  },
});
