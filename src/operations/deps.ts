// What operations need from the application: registry, swarm clients, jobs, the audit log, a logger, time-outs.
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { createEndpointPolicy, type EndpointPolicy } from '../docker/endpoint-policy.ts';
import type { JoinTokenSchedule } from '../jobs/join-token-scheduler.ts';
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
  /** Who may give which engine endpoint (every input that carries one goes through it). */
  endpointPolicy: EndpointPolicy;
  /** The gateway's database, for operations that signal a running job (continueMaintenance, resumeMaintenance). */
  pool: pg.Pool;
  /** Scheduled join-token rotation (src/plugins/app/join-token-schedule.ts); absent where it is not registered. */
  joinTokenSchedule?: JoinTokenSchedule;
}

/** One policy per application: its networks come from the config (SWARMGATE_ENGINE_NETWORKS). */
const policies = new WeakMap<FastifyInstance, EndpointPolicy>();

export function operationDepsOf(app: FastifyInstance): OperationDeps {
  let endpointPolicy = policies.get(app);
  if (!endpointPolicy) {
    endpointPolicy = createEndpointPolicy({ networks: app.config.engines.networks });
    policies.set(app, endpointPolicy);
  }
  return {
    registry: app.registry,
    swarmClients: app.swarmClients,
    jobs: app.jobs,
    audit: app.audit,
    log: app.log,
    dockerTimeoutMs: app.config.dockerTimeoutMs,
    quickWaitMs: app.config.jobs.quickWaitMs,
    endpointPolicy,
    pool: app.pg,
    ...(app.hasDecorator('joinTokenSchedule') ? { joinTokenSchedule: app.joinTokenSchedule } : {}),
  };
}
