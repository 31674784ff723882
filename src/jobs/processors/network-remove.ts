// network.remove: removes the network the operation resolved unless it is gone already; CONFLICT naming the
// services that use it now. Docker keeps refusing for a few seconds after a user's tasks left: retried meanwhile.
import { findNetwork, listServices } from '../../docker/reads.ts';
import { removeNetwork } from '../../docker/writes.ts';
import { servicesUsingNetwork } from '../../domain/swarm-objects.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { removeUnused } from './swarm-object-target.ts';

export async function networkRemoveProcessor(
  ctx: JobContext<'network.remove'>,
): Promise<JobOutcomeOf<'network.remove'>> {
  const client = requireClient(ctx);
  const result = await removeUnused(ctx, 'networkId', 'networkName', {
    kind: 'network',
    find: (id) => findNetwork(client, id),
    users: async (network) => servicesUsingNetwork(await listServices(client), network),
    remove: (id) => removeNetwork(client, id),
    retryWhileRefused: true,
  });
  return { result };
}
