// config.remove: removes the config the operation resolved unless it is gone already; CONFLICT naming the services
// that use it now.
import { findConfig, listServices } from '../../docker/reads.ts';
import { removeConfig } from '../../docker/writes.ts';
import { servicesUsingConfig } from '../../domain/swarm-objects.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { removeUnused } from './swarm-object-target.ts';

export async function configRemoveProcessor(
  ctx: JobContext<'config.remove'>,
): Promise<JobOutcomeOf<'config.remove'>> {
  const client = requireClient(ctx);
  const result = await removeUnused(ctx, 'configId', 'configName', {
    kind: 'config',
    find: (id) => findConfig(client, id),
    users: async (config) => servicesUsingConfig(await listServices(client), config.ID),
    remove: (id) => removeConfig(client, id),
  });
  return { result };
}
