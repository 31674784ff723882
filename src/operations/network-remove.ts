// networkRemove: queues network.remove (operator). CONFLICT while services use the network, naming them; a network
// that is already gone is success (idempotent, like removeService).
import {
  inUseConflict,
  refOf,
  servicesUsingNetwork,
  type RemoveNetworkInput,
} from '../domain/swarm-objects.ts';
import { conflict, isGatewayError } from '../errors.ts';
import { findSwarmNetwork } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const networkRemove = swarmObjectOperation(
  'network.remove',
  (input: RemoveNetworkInput) => ({ ref: refOf(input.network, 'network') }),
  {
    precheck: async ({ ref }, swarm, reads) => {
      let network;
      try {
        network = await findSwarmNetwork(reads, swarm, ref);
      } catch (error) {
        // Already gone (a retried removal): the job succeeds without touching anything.
        if (isGatewayError(error) && error.code === 'NOT_FOUND') return { networkName: ref };
        throw error;
      }
      const target = { networkId: network.Id, networkName: network.Name };
      if (network.Ingress) {
        throw conflict(
          `network "${network.Name}" is the swarm's ingress network, which published ports need; it is not removed ` +
            'through the gateway',
          target,
        );
      }
      const users = servicesUsingNetwork(await reads.services(swarm), network);
      if (users.length > 0) throw inUseConflict('network', network.Name, users);
      return target;
    },
  },
);
