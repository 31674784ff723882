// secretRemove: queues secret.remove (operator). CONFLICT while services use the secret, naming them; a secret that
// is already gone is success.
import {
  inUseConflict,
  refOf,
  servicesUsingSecret,
  type RemoveSecretInput,
} from '../domain/swarm-objects.ts';
import { isGatewayError } from '../errors.ts';
import { findSwarmSecret } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const secretRemove = swarmObjectOperation(
  'secret.remove',
  (input: RemoveSecretInput) => ({ ref: refOf(input.secret, 'secret') }),
  {
    precheck: async ({ ref }, swarm, reads) => {
      let secret;
      try {
        secret = await findSwarmSecret(reads, swarm, ref);
      } catch (error) {
        if (isGatewayError(error) && error.code === 'NOT_FOUND') return { secretName: ref };
        throw error;
      }
      const users = servicesUsingSecret(await reads.services(swarm), secret.ID);
      if (users.length > 0) throw inUseConflict('secret', secret.Spec.Name, users);
      return { secretId: secret.ID, secretName: secret.Spec.Name };
    },
  },
);
