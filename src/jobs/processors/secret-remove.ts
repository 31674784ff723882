// secret.remove: removes the secret the operation resolved unless it is gone already; CONFLICT naming the services
// that use it now.
import { findSecret, listServices } from '../../docker/reads.ts';
import { removeSecret } from '../../docker/writes.ts';
import { servicesUsingSecret } from '../../domain/swarm-objects.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { removeUnused } from './swarm-object-target.ts';

export async function secretRemoveProcessor(
  ctx: JobContext<'secret.remove'>,
): Promise<JobOutcomeOf<'secret.remove'>> {
  const client = requireClient(ctx);
  const result = await removeUnused(ctx, 'secretId', 'secretName', {
    kind: 'secret',
    find: (id) => findSecret(client, id),
    users: async (secret) => servicesUsingSecret(await listServices(client), secret.ID),
    remove: (id) => removeSecret(client, id),
  });
  return { result };
}
