// Jobs: the job and jobs queries, the Job type, jobCancel, and the jobUpdated subscription.
import { jobTopic } from '../../plugins/app/events.ts';
import type { JobRecord } from '../../jobs/types.ts';
import { jobCancel } from '../../operations/job-cancel.ts';
import { getJob, listJobs } from '../../queries/job-queries.ts';
import { toJobView } from '../../queries/views.ts';
import type {
  JobResolvers,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/types.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';
import { jsonFields } from './json-fields.ts';

export const jobQueries: Pick<QueryResolvers, 'job' | 'jobs'> = {
  job: (_root, { id }, { principal, deps }) => getJob(deps.jobs.repository, principal, id),
  jobs: (_root, { filter, first, after }, { principal, deps }) =>
    listJobs(deps.jobs.repository, principal, filter, first, after),
};

export const jobMutations: Pick<MutationResolvers, 'cancelJob'> = {
  cancelJob: (_root, { input }, { deps, operation }) => jobCancel(deps, operation, input).then(toJobView),
};

/** The view's fields as they are, but its JSON values as text. */
export const Job: JobResolvers = {
  ...jsonFields,
  plan: (view) => (view.plan === null ? null : JSON.stringify(view.plan)),
};

export const jobSubscriptions: Pick<SubscriptionResolvers<SubscriptionContext>, 'jobUpdated'> = {
  jobUpdated: {
    // The same check as the job query: a job of another tenant is NOT_FOUND.
    subscribe: async (_root, { id }, context) => {
      await getJob(context.app.jobs.repository, await subscriberOf(context), id, 'watch a job');
      return context.pubsub.subscribe(jobTopic(id));
    },
    // What is published is the job as stored (src/plugins/app/jobs.ts).
    resolve: (payload: { jobUpdated: JobRecord }) => toJobView(payload.jobUpdated),
  },
};
