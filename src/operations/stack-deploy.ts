// stackDeploy: queues stack.deploy (operator), the gateway's `docker stack deploy`. The request checks the whole
// input first (name, env, the compose file against the Compose Specification, each service against the swarm's
// policy) and refuses at once; the job plans against the swarm as it is and applies. A dry run is a quick job
// that answers the plan and changes nothing.
import type { OperationContext } from '../audit/types.ts';
import { stackDeploymentOf } from '../domain/stack-deployment.ts';
import { policyOf } from '../domain/swarm-policy.ts';
import type { JobRecord, StackDeployJobInput } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { requestJob, type JobRequest } from './start-job.ts';

export interface StackDeployInput extends JobRequest {
  name: string;
  /** The compose file's YAML text. */
  compose: string;
  /** KEY=VALUE strings for `${VAR}` and for secrets and configs given with `environment: VAR`. */
  env?: string[] | null;
  /** Remove the stack's services, networks, secrets and configs that the file no longer has. */
  prune?: boolean | null;
  /** Answer the plan only: nothing changes. */
  dryRun?: boolean | null;
  /** How long the job waits for every service to run its tasks; default 180. */
  timeoutSeconds?: number | null;
}

export function stackDeploy(
  deps: OperationDeps,
  ctx: OperationContext,
  input: StackDeployInput,
): Promise<JobRecord> {
  const jobInput: StackDeployJobInput = {
    name: input.name,
    compose: input.compose,
    env: input.env ?? [],
    prune: input.prune ?? false,
    dryRun: input.dryRun ?? false,
    ...(typeof input.timeoutSeconds === 'number' ? { timeoutSeconds: input.timeoutSeconds } : {}),
  };
  return requestJob(deps, ctx, input, {
    action: 'stack.deploy',
    input: jobInput,
    role: 'operator',
    // A dry run changes nothing and ends in a moment: its answer is the ended job, with the plan.
    quick: jobInput.dryRun,
    // deployStack plans in its own (quick) job, which parses and compares the compose file: not startJob's dry run.
    dryRun: false,
    // Checked after `requested`, so that a refused deploy is audited with the stack it named.
    precheck: (swarm, _reads, learn) => {
      learn({ stackName: input.name });
      stackDeploymentOf(jobInput, policyOf(swarm), deps.jobs.digest);
      return Promise.resolve({ stackName: input.name });
    },
  });
}
