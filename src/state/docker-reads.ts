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

/**
 * The task list as Docker sent it: the swarm state lists every task every few seconds, and a list unchanged since
 * the last one (the usual case) is recognised by its bytes, without parsing tens of thousands of objects again.
 */
export const listTasksRaw = (docker: Dockerode) =>
  new Promise<Buffer>((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/tasks?',
        method: 'GET',
        options: {},
        isStream: true,
        statusCodes: { 200: true, 500: 'server error' },
      },
      (error, response) => {
        if (error) return reject(error);
        const body = response as NodeJS.ReadableStream;
        const chunks: Buffer[] = [];
        body.on('data', (chunk: Buffer) => chunks.push(chunk));
        body.on('end', () => resolve(Buffer.concat(chunks)));
        body.on('error', reject);
      },
    );
  });
