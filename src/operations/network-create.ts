// networkCreate: checks the network (overlay, name, labels, subnets) and queues network.create (operator).
import {
  JOB_LABEL,
  nameTakenByOther,
  networkCreateJobInput,
  type CreateNetworkInput,
} from '../domain/swarm-objects.ts';
import { swarmNetworks } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const networkCreate = swarmObjectOperation('network.create', networkCreateJobInput, {
  precheck: async (jobInput, swarm, reads, input: CreateNetworkInput) => {
    const existing = (await swarmNetworks(reads, swarm)).find((network) => network.Name === jobInput.name);
    // A network a gateway job made may be this request's own, replayed with its idempotency key: the key decides
    // (the replay answers that job), and a new job finds the name taken when it runs.
    if (existing && !(input.idempotencyKey && existing.Labels?.[JOB_LABEL])) {
      throw nameTakenByOther('network', jobInput.name);
    }
    return { networkName: jobInput.name };
  },
});
