// Node, Service and Task fields that reach across objects (their tasks, a task's service and node).
import { getNode, getService, taskViews } from '../../queries/swarm-queries.ts';
import type { NodeResolvers, ServiceResolvers, TaskResolvers } from '../generated/types.ts';

export const Node: NodeResolvers = {
  tasks: async (node, { filter }, { reads }) =>
    taskViews(reads, await reads.getSwarm(node.swarmId), { ...filter, node: node.id }),
};

export const Service: ServiceResolvers = {
  tasks: async (service, { filter }, { reads }) =>
    taskViews(reads, await reads.getSwarm(service.swarmId), { ...filter, service: service.id }),
};

export const Task: TaskResolvers = {
  service: async (task, _args, { reads }) =>
    getService(reads, await reads.getSwarm(task.swarmId), task.serviceId),
  node: async (task, _args, { reads }) =>
    task.nodeId ? getNode(reads, await reads.getSwarm(task.swarmId), task.nodeId) : null,
};
