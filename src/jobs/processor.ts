// What a job processor is given and returns. Processors are plain async functions, one file per operation, and
// must be idempotent: after a crash the same job runs again from the swarm's observed state.
import type { ContentDigest } from '../util/seal.ts';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { AuditStore } from '../audit/store.ts';
import type { AuditTarget } from '../audit/types.ts';
import type { SwarmClient } from '../docker/swarm-client.ts';
import type { SwarmClients } from '../plugins/app/swarm-clients.ts';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import type { JobRepository } from './repository.ts';
import type { JobInput, JobRecord, JobResult, JobType, JoinRole } from './types.ts';

export interface ProcessorDeps {
  registry: RegistryRepository;
  swarmClients: SwarmClients;
  jobs: JobRepository;
  dockerTimeoutMs: number;
  log: FastifyBaseLogger;
  /** A keyed digest under the gateway's secret key (labels that must tell a changed secret value). */
  digest: ContentDigest;
  /** The gateway's database, for jobs that keep their own durable record (swarm.maintenance's per-node steps). */
  pool: pg.Pool;
  /** The audit log, for jobs that audit their own steps (swarm.maintenance: each node's drain and activation). */
  audit: AuditStore;
  /**
   * Told when a join succeeded (scheduled join-token rotation's afterJoin, src/plugins/app/join-token-schedule.ts).
   * Never throws: what it starts must not fail the join.
   */
  onJoined?: (job: JobRecord, role: JoinRole) => Promise<void>;
}

export interface JobContext<T extends JobType = JobType> {
  job: JobRecord;
  /** The operation's input as the operation stored it (secrets included; never log it). */
  input: JobInput<T>;
  /** The swarm the job acts on, when it acts on a registered swarm. */
  swarm: SwarmRecord | null;
  /** Its client; null for jobs without a registered swarm (e.g. initSwarm before registration). */
  client: SwarmClient | null;
  deps: ProcessorDeps;
  log: FastifyBaseLogger;
  /** Records progress (0-100) and tells subscribers. */
  progress(percent: number, step: string, message?: string | null): Promise<void>;
  /**
   * Records at once what the job learned about its target (a created service's id, a joined node's id), so that
   * the job shows it while it runs and its outcome names it even when the job then fails or is cancelled.
   */
  learnTarget(target: AuditTarget): Promise<void>;
  /** Aborted when someone cancels the job. */
  signal: AbortSignal;
  /** Waits, unless the job is cancelled meanwhile (then throws JobCancelledError). */
  sleep(ms: number): Promise<void>;
}

export interface JobOutcome<R = unknown> {
  result?: R;
  /** More about the target, learned while running (a new node id, a service id...): merged into the job's. */
  target?: AuditTarget;
}

/** What a processor of this job type returns. */
export type JobOutcomeOf<T extends JobType> = JobOutcome<JobResult<T>>;

export type Processor<T extends JobType> = (context: JobContext<T>) => Promise<JobOutcome<JobResult<T>>>;

export class JobCancelledError extends Error {
  constructor() {
    super('the job was cancelled');
    this.name = 'JobCancelledError';
  }
}

/** The swarm's client, or an error explaining the job needs one (a programming error in the operation). */
export function requireClient<T extends JobType>(context: JobContext<T>): SwarmClient {
  if (!context.client || !context.swarm) throw new Error(`job ${context.job.type} needs a registered swarm`);
  return context.client;
}
