// Job reads both doors share: a job of the caller's tenant by id, and filtered pages of jobs, as views.
import { requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { JobRepository } from '../jobs/repository.ts';
import type { JobState } from '../jobs/types.ts';
import { badInput, notFound } from '../errors.ts';
import type { Page } from './pagination.ts';
import { tenantScope } from './swarm-reads.ts';
import { toJobView, type JobView } from './views.ts';

const STATES = new Set<JobState>([
  'awaiting_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);

/**
 * A job of the caller's tenant (another tenant's is NOT_FOUND, as one that does not exist). `action` is what a
 * refusal says the viewer role is needed for.
 */
export async function getJob(
  jobs: JobRepository,
  principal: Principal,
  id: string,
  action = 'read jobs',
): Promise<JobView> {
  requireRole(principal, 'viewer', action);
  const job = await jobs.get(id);
  const scope = tenantScope(principal);
  if (!job || (scope !== null && job.tenant !== scope)) throw notFound('job', id);
  return toJobView(job);
}

export async function listJobs(
  jobs: JobRepository,
  principal: Principal,
  filter: { state?: string | null; type?: string | null; swarm?: string | null } | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Pick<Page<JobView>, 'items' | 'pageInfo'>> {
  requireRole(principal, 'viewer', 'read jobs');
  const scope = tenantScope(principal);
  const state = filter?.state?.toLowerCase();
  if (state !== undefined && !STATES.has(state as JobState)) {
    throw badInput('state must be one of AWAITING_APPROVAL, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED');
  }
  const page = await jobs.list(
    scope === null ? null : [scope],
    { ...filter, state: state as JobState | undefined },
    first ?? 50,
    after,
  );
  return { items: page.items.map(toJobView), pageInfo: page.pageInfo };
}
