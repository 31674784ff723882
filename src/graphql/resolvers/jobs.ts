// Jobs: the job and jobs queries, the Job type, jobCancel, and the jobUpdated subscription.
import { jobTopic } from '../../plugins/app/events.ts';
import { jobCancel } from '../../operations/job-cancel.ts';
import { getJob, listJobs } from '../../queries/job-queries.ts';
import { tenantScope } from '../../queries/swarm-reads.ts';
import { requireRole } from '../../auth/authorize.ts';
import { notFound } from '../../errors.ts';
import type {
  JobResolvers,
  JobState,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/types.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';

export const jobQueries: Pick<QueryResolvers, 'job' | 'jobs'> = {
  job: (_root, { id }, { principal, deps }) => getJob(deps.jobs.repository, principal, id),
  jobs: (_root, { filter, first, after }, { principal, deps }) =>
    listJobs(deps.jobs.repository, principal, filter, first, after),
};

export const jobMutations: Pick<MutationResolvers, 'cancelJob'> = {
  cancelJob: (_root, { input }, { deps, operation }) => jobCancel(deps, operation, input),
};

export const Job: JobResolvers = {
  state: (job) => job.state.toUpperCase() as JobState,
  target: (job) => ({
    swarmId: job.target.swarmId ?? null,
    swarmName: job.target.swarmName ?? null,
    nodeId: job.target.nodeId ?? null,
    nodeName: job.target.nodeName ?? null,
    serviceId: job.target.serviceId ?? null,
    serviceName: job.target.serviceName ?? null,
  }),
  parameters: (job) => JSON.stringify(job.parameters),
  result: (job) => (job.result === null || job.result === undefined ? null : JSON.stringify(job.result)),
};

export const jobSubscriptions: Pick<SubscriptionResolvers<SubscriptionContext>, 'jobUpdated'> = {
  jobUpdated: {
    subscribe: async (_root, { id }, context) => {
      const principal = await subscriberOf(context);
      requireRole(principal, 'viewer', 'watch a job');
      const job = await context.app.jobs.repository.get(id);
      const scope = tenantScope(principal);
      if (!job || (scope !== null && job.tenant !== scope)) throw notFound('job', id);
      return context.pubsub.subscribe(jobTopic(id));
    },
  },
};
