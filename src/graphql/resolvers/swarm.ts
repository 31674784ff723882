// Swarm fields: registration data, status, docker info, quorum, nodes, services, tasks, join tokens.
import {
  getNode,
  getService,
  nodePage as listNodes,
  servicePage as listServices,
  taskPage as listTasks,
  swarmStatus,
} from '../../queries/swarm-queries.ts';
import { swarmJoinTokens } from '../../operations/swarm-join-tokens.ts';
import { labelsOf, quorumOf, toSwarmInfoView } from '../../queries/views.ts';
import type { SwarmResolvers } from '../generated/types.ts';

export const Swarm: SwarmResolvers = {
  labels: (swarm) => labelsOf(swarm.labels),
  endpoints: (swarm) => swarm.endpointUrls,
  createdAt: (swarm) => swarm.createdAt.toISOString(),
  updatedAt: (swarm) => swarm.updatedAt.toISOString(),
  status: (swarm, _args, { reads }) => swarmStatus(reads, swarm),
  info: async (swarm, _args, { reads }) => toSwarmInfoView((await reads.info(swarm)).Swarm),
  quorum: async (swarm, _args, { reads }) => quorumOf(await reads.nodes(swarm)),
  // `fresh: true` asks a manager instead of the gateway's event-fed state.
  nodes: (swarm, { filter, first, after, fresh }, { reads }) =>
    listNodes(reads.withFresh(fresh), swarm, filter, first, after),
  node: (swarm, { ref, fresh }, { reads }) => getNode(reads.withFresh(fresh), swarm, ref),
  services: (swarm, { filter, first, after, fresh }, { reads }) =>
    listServices(reads.withFresh(fresh), swarm, filter, first, after),
  service: (swarm, { ref, fresh }, { reads }) => getService(reads.withFresh(fresh), swarm, ref),
  tasks: (swarm, { filter, first, after, fresh }, { reads }) =>
    listTasks(reads.withFresh(fresh), swarm, filter, first, after),
  joinTokens: (swarm, _args, { reads, deps, operation }) => swarmJoinTokens(deps, operation, reads, swarm),
};
