// What operations need from the application: registry, swarm clients, jobs, the audit log, a logger, time-outs.
import type { FastifyInstance } from 'fastify';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { RegistryRepository } from '../registry/repository.ts';
import type { PipelineDeps } from './pipeline.ts';

export interface OperationDeps extends PipelineDeps {
  registry: RegistryRepository;
  swarmClients: SwarmClients;
  jobs: FastifyInstance['jobs'];
  dockerTimeoutMs: number;
  /** How long a quick operation waits for its job before answering with it still queued or running. */
  quickWaitMs: number;
}

export function operationDepsOf(app: FastifyInstance): OperationDeps {
  return {
    registry: app.registry,
    swarmClients: app.swarmClients,
    jobs: app.jobs,
    audit: app.audit,
    log: app.log,
    dockerTimeoutMs: app.config.dockerTimeoutMs,
    quickWaitMs: app.config.jobs.quickWaitMs,
  };
}
