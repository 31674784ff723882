// Job reads both doors share: a job of the caller's tenant by id, and filtered pages of jobs.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { JobRepository } from '../jobs/repository.ts';
import type { JobRecord, JobState } from '../jobs/types.ts';
import { badInput, notFound } from '../errors.ts';
import { tenantScope } from './swarm-reads.ts';

const STATES = new Set<JobState>(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export async function getJob(jobs: JobRepository, principal: Principal, id: string): Promise<JobRecord> {
  requireRole(principal, 'viewer', 'read jobs');
  const job = await jobs.get(id);
  const scope = tenantScope(principal);
  if (!job || (scope !== null && job.tenant !== scope)) throw notFound('job', id);
  return job;
}

export function listJobs(
  jobs: JobRepository,
  principal: Principal,
  filter: { state?: string | null; type?: string | null; swarm?: string | null } | null | undefined,
  first?: number | null,
  after?: string | null,
) {
  requireRole(principal, 'viewer', 'read jobs');
  const scope = tenantScope(principal);
  const state = filter?.state?.toLowerCase();
  if (state !== undefined && !STATES.has(state as JobState)) {
    throw badInput('state must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED');
  }
  return jobs.list(
    scope === null ? null : [scope],
    { ...filter, state: state as JobState | undefined },
    first ?? 50,
    after,
  );
}

/** A job as both doors show it: enums upper-case, JSON fields as the API gives them. */
export function jobStateName(job: JobRecord): Uppercase<JobState> {
  return job.state.toUpperCase() as Uppercase<JobState>;
}
