// stackRemove: queues stack.remove (operator), the gateway's `docker stack rm`: every service, network, secret and
// config labelled with the stack's namespace goes, whoever deployed it. Idempotent: a stack that is already gone is
// success, and the job says nothing was removed (so a retried removal never fails for having worked before).
import type { OperationContext } from '../audit/types.ts';
import { waitLimitMs } from '../domain/service-spec.ts';
import { STACK_REMOVE_TIMEOUT_SECONDS, stackNameOf } from '../domain/stack-namespace.ts';
import type { JobRecord, StackRemoveJobInput } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob, type JobRequest } from './start-job.ts';

export interface StackRemoveInput extends JobRequest {
  name: string;
  /** How long the job waits for the services' tasks to let go of the stack's networks; default 120. */
  timeoutSeconds?: number | null;
}

export function stackRemove(
  deps: OperationDeps,
  ctx: OperationContext,
  input: StackRemoveInput,
): Promise<JobRecord> {
  const jobInput: StackRemoveJobInput = {
    name: input.name,
    ...(typeof input.timeoutSeconds === 'number' ? { timeoutSeconds: input.timeoutSeconds } : {}),
  };
  return requestJob(deps, ctx, input, {
    action: 'stack.remove',
    input: jobInput,
    role: 'operator',
    // A small stack is gone within the quick wait: the answer is the ended job. A larger one answers 202.
    quick: true,
    // Checked after `requested`, so that a refused removal is audited with the stack it named.
    precheck: (_swarm, _reads, learn) => {
      learn({ stackName: input.name });
      stackNameOf(input.name);
      waitLimitMs(jobInput, STACK_REMOVE_TIMEOUT_SECONDS);
      return Promise.resolve({ stackName: input.name });
    },
  });
}
