// configRemove: queues config.remove (operator). CONFLICT while services use the config, naming them; a config that
// is already gone is success.
import {
  inUseConflict,
  refOf,
  servicesUsingConfig,
  type RemoveConfigInput,
} from '../domain/swarm-objects.ts';
import { isGatewayError } from '../errors.ts';
import { findSwarmConfig } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const configRemove = swarmObjectOperation(
  'config.remove',
  (input: RemoveConfigInput) => ({ ref: refOf(input.config, 'config') }),
  {
    precheck: async ({ ref }, swarm, reads) => {
      let config;
      try {
        config = await findSwarmConfig(reads, swarm, ref);
      } catch (error) {
        if (isGatewayError(error) && error.code === 'NOT_FOUND') return { configName: ref };
        throw error;
      }
      const users = servicesUsingConfig(await reads.services(swarm), config.ID);
      if (users.length > 0) throw inUseConflict('config', config.Spec.Name, users);
      return { configId: config.ID, configName: config.Spec.Name };
    },
  },
);
