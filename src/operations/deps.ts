// What operations need from the application: the registry, swarm clients, the audit log, a logger, time-outs.
import type { FastifyInstance } from 'fastify';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { RegistryRepository } from '../registry/repository.ts';
import type { PipelineDeps } from './pipeline.ts';

export interface OperationDeps extends PipelineDeps {
  registry: RegistryRepository;
  swarmClients: SwarmClients;
  dockerTimeoutMs: number;
}

export function operationDepsOf(app: FastifyInstance, dockerTimeoutMs: number): OperationDeps {
  return {
    registry: app.registry,
    swarmClients: app.swarmClients,
    audit: app.audit,
    log: app.log,
    dockerTimeoutMs,
  };
}
