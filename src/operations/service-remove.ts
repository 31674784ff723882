// serviceRemove: queues service.remove (operator). Idempotent: a service that is already gone is success.
import { isGatewayError } from '../errors.ts';
import { jobInputOf, type ServiceMutationMeta } from '../domain/service-spec.ts';
import { serviceOperation } from './start-job.ts';

export interface ServiceRemoveInput extends ServiceMutationMeta {
  service: string;
}

export const serviceRemove = serviceOperation('service.remove', jobInputOf<ServiceRemoveInput>, {
  quick: true,
  precheck: async (_jobInput, swarm, reads, input) => {
    try {
      const service = await reads.service(swarm, input.service);
      return { serviceId: service.ID, serviceName: service.Spec.Name };
    } catch (error) {
      // Already gone (a retried removal): the job succeeds without touching anything.
      if (isGatewayError(error) && error.code === 'NOT_FOUND') return { serviceName: input.service };
      throw error;
    }
  },
});
