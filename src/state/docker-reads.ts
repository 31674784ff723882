// The Engine API reads the swarm state makes, typed (dockerode returns them untyped or with its own looser types).
import type Dockerode from 'dockerode';
import type { DockerNode, DockerService, DockerSwarm, DockerTask } from '../docker/types.ts';

export const listNodes = (docker: Dockerode) =>
  docker.listNodes() as Promise<unknown> as Promise<DockerNode[]>;

export const listServices = (docker: Dockerode) =>
  docker.listServices() as Promise<unknown> as Promise<DockerService[]>;

export const listTasks = (docker: Dockerode) =>
  docker.listTasks() as Promise<unknown> as Promise<DockerTask[]>;

export const inspectSwarm = (docker: Dockerode) =>
  docker.swarmInspect() as Promise<unknown> as Promise<DockerSwarm>;

export const inspectNode = (id: string) => (docker: Dockerode) =>
  docker.getNode(id).inspect() as Promise<unknown> as Promise<DockerNode>;

export const inspectService = (id: string) => (docker: Dockerode) =>
  docker.getService(id).inspect() as Promise<unknown> as Promise<DockerService>;
