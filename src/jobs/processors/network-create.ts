// network.create: creates the overlay network unless this job made it already (its label says so: a resumed job
// finds its own); a network of that name made by anyone else is CONFLICT.
import { listNetworks } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerNetwork, DockerNetworkCreateRequest } from '../../docker/types.ts';
import { createNetwork } from '../../docker/writes.ts';
import {
  createdByJob,
  isSwarmNetwork,
  nameTakenByOther,
  type NetworkCreateJobInput,
} from '../../domain/swarm-objects.ts';
import { isGatewayError } from '../../errors.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { labelledByJob } from './swarm-object-target.ts';

async function findByName(client: SwarmClient, name: string): Promise<DockerNetwork | undefined> {
  return (await listNetworks(client)).find((network) => isSwarmNetwork(network) && network.Name === name);
}

function requestOf(ctx: JobContext, input: NetworkCreateJobInput): DockerNetworkCreateRequest {
  return {
    Name: input.name,
    CheckDuplicate: true,
    Driver: input.driver,
    Attachable: input.attachable,
    Internal: input.internal,
    Labels: labelledByJob(ctx, input.labels),
    // The overlay driver's option: VXLAN traffic between nodes in IPsec (ESP).
    Options: input.encrypted ? { encrypted: '' } : {},
    ...(input.subnets.length > 0
      ? {
          IPAM: {
            Driver: 'default',
            Config: input.subnets.map((pool) => ({
              Subnet: pool.subnet,
              ...(pool.gateway ? { Gateway: pool.gateway } : {}),
              ...(pool.ipRange ? { IPRange: pool.ipRange } : {}),
            })),
          },
        }
      : {}),
  };
}

export async function networkCreateProcessor(
  ctx: JobContext<'network.create'>,
): Promise<JobOutcomeOf<'network.create'>> {
  const client = requireClient(ctx);
  const input = ctx.input;
  const own = (network: DockerNetwork) => {
    if (!createdByJob(network.Labels, ctx.job.id)) throw nameTakenByOther('network', input.name);
    return network.Id;
  };

  let created = false;
  let id: string;
  const existing = await findByName(client, input.name);
  if (existing) {
    id = own(existing);
  } else {
    await ctx.progress(0, 'creating', `creating network ${input.name}`);
    try {
      id = await createNetwork(client, requestOf(ctx, input));
      created = true;
    } catch (error) {
      // Made meanwhile (by someone else, or by this job with its answer lost): judge what is there.
      if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
      const now = await findByName(client, input.name);
      if (!now) throw error;
      id = own(now);
    }
  }
  await ctx.learnTarget({ networkId: id, networkName: input.name });
  await ctx.progress(
    100,
    'creating',
    created ? 'created' : 'the network was there already (made by this job)',
  );
  return { target: { networkId: id, networkName: input.name }, result: { id, name: input.name, created } };
}
