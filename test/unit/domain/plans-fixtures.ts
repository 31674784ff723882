// Docker objects for the plans' unit tests, reduced to what the planners read.
import type { DockerNode, DockerService, DockerTask } from '../../../src/docker/types.ts';

export interface NodeOptions {
  role?: 'manager' | 'worker';
  availability?: 'active' | 'pause' | 'drain';
  state?: 'ready' | 'down';
  reachable?: boolean;
  labels?: Record<string, string>;
  engineLabels?: Record<string, string>;
  cpus?: number;
  memoryBytes?: number;
}

export function node(name: string, options: NodeOptions = {}): DockerNode {
  const role = options.role ?? 'worker';
  return {
    ID: `id-${name}`,
    Version: { Index: 1 },
    CreatedAt: '2026-01-01T00:00:00Z',
    UpdatedAt: '2026-01-01T00:00:00Z',
    Spec: { Role: role, Availability: options.availability ?? 'active', Labels: options.labels ?? {} },
    Description: {
      Hostname: name,
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: (options.cpus ?? 2) * 1e9, MemoryBytes: options.memoryBytes ?? 4e9 },
      Engine: { Labels: options.engineLabels ?? {} },
    },
    Status: { State: options.state ?? 'ready' },
    ...(role === 'manager'
      ? { ManagerStatus: { Reachability: options.reachable === false ? 'unreachable' : 'reachable' } }
      : {}),
  };
}

export interface ServiceOptions {
  constraints?: string[];
  maxReplicas?: number;
  cpus?: number;
  memoryBytes?: number;
  global?: boolean;
  replicas?: number;
}

export function service(name: string, options: ServiceOptions = {}): DockerService {
  return {
    ID: `svc-${name}`,
    Version: { Index: 1 },
    CreatedAt: '2026-01-01T00:00:00Z',
    UpdatedAt: '2026-01-01T00:00:00Z',
    Spec: {
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: 'swarmgate/probe:1' },
        Placement: {
          Constraints: options.constraints ?? [],
          ...(options.maxReplicas === undefined ? {} : { MaxReplicas: options.maxReplicas }),
        },
        Resources: {
          Reservations: {
            ...(options.cpus === undefined ? {} : { NanoCPUs: options.cpus * 1e9 }),
            ...(options.memoryBytes === undefined ? {} : { MemoryBytes: options.memoryBytes }),
          },
        },
      },
      Mode: options.global ? { Global: {} } : { Replicated: { Replicas: options.replicas ?? 1 } },
    },
  };
}

let taskCount = 0;

export function task(of: DockerService, on: DockerNode, slot?: number): DockerTask {
  taskCount += 1;
  return {
    ID: `task-${taskCount}`,
    Version: { Index: 1 },
    CreatedAt: '2026-01-01T00:00:00Z',
    UpdatedAt: '2026-01-01T00:00:00Z',
    Spec: {},
    ServiceID: of.ID,
    ...(slot === undefined ? {} : { Slot: slot }),
    NodeID: on.ID,
    Status: { State: 'running' },
    DesiredState: 'running',
  };
}
