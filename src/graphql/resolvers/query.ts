// Query root: version, me, tenants, swarms, swarm.
import { requirePlatformAdmin } from '../../auth/authorize.ts';
import { VERSION } from '../../version.ts';
import { meOf } from '../../queries/swarm-queries.ts';
import type { QueryResolvers } from '../generated/types.ts';

export const Query: QueryResolvers = {
  version: () => VERSION,
  me: (_root, _args, { principal }) => meOf(principal),
  tenants: async (_root, _args, { principal, deps }) => {
    requirePlatformAdmin(principal, 'list tenants');
    const tenants = await deps.registry.listTenants();
    return tenants.map((tenant) => ({
      slug: tenant.slug,
      name: tenant.name,
      createdAt: tenant.createdAt.toISOString(),
    }));
  },
  swarms: (_root, { tenant }, { reads }) => reads.listSwarms(tenant),
  swarm: (_root, { id }, { reads }) => reads.getSwarm(id),
};
