// The operations on a swarm's networks, secrets and configs (operator). The caller's input becomes the job's input
// first: that is what the audit and the job row show (`parameters`), so a secret's value must already be gone from
// it. Input that cannot become a job input is refused after the swarm was found and `requested` written, like any
// other refusal (audited, and another tenant's swarm stays NOT_FOUND); `precheck` then refuses on the swarm as it
// is now what the job would refuse, naming the object for the audit.
import type { AuditTarget, OperationContext } from '../audit/types.ts';
import type { ServiceMutationMeta } from '../domain/service-spec.ts';
import { isGatewayError, type GatewayError } from '../errors.ts';
import type { JobInput, JobRecord, JobType } from '../jobs/types.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob } from './start-job.ts';

type SwarmObjectJobType = Extract<JobType, `network.${string}` | `secret.${string}` | `config.${string}`>;

export function swarmObjectOperation<I extends ServiceMutationMeta, T extends SwarmObjectJobType>(
  action: T,
  toJobInput: (input: I) => JobInput<T>,
  options: {
    quick?: boolean;
    precheck: (
      jobInput: JobInput<T>,
      swarm: SwarmRecord,
      reads: SwarmReads,
      input: I,
    ) => Promise<AuditTarget>;
  },
): (deps: OperationDeps, ctx: OperationContext, input: I) => Promise<JobRecord> {
  return (deps, ctx, input) => {
    let jobInput: JobInput<T>;
    let refusal: GatewayError | null = null;
    try {
      jobInput = toJobInput(input);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      refusal = error;
      // Nothing of the input is kept: it may hold the value that made it invalid.
      jobInput = {} as JobInput<T>;
    }
    return requestJob(deps, ctx, input, {
      action,
      input: jobInput,
      role: 'operator',
      quick: options.quick ?? true,
      // Fresh reads: a removal decided on a service list a few seconds old could miss a new user of the object.
      precheck: (swarm, reads) => {
        if (refusal) return Promise.reject(refusal);
        return options.precheck(jobInput, swarm, reads.fresh(), input);
      },
    });
  };
}
