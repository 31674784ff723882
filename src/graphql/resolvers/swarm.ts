// Swarm fields: registration data, status, docker info, quorum, nodes, services, tasks, join tokens.
import {
  getNode,
  getService,
  listNodes,
  listServices,
  listTasks,
  swarmStatus,
} from '../../queries/swarm-queries.ts';
import { readJoinTokens } from '../../operations/read-join-tokens.ts';
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
  nodes: (swarm, { filter, first, after }, { reads }) => listNodes(reads, swarm, filter, first, after),
  node: (swarm, { ref }, { reads }) => getNode(reads, swarm, ref),
  services: (swarm, { filter, first, after }, { reads }) => listServices(reads, swarm, filter, first, after),
  service: (swarm, { ref }, { reads }) => getService(reads, swarm, ref),
  tasks: (swarm, { filter, first, after }, { reads }) => listTasks(reads, swarm, filter, first, after),
  joinTokens: (swarm, _args, { reads, deps, operation }) => readJoinTokens(deps, operation, reads, swarm),
};
