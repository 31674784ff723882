// rotateJoinToken: replaces a swarm's worker or manager join token (admin, with a reason); nodes already joined
// keep working. The new token never enters the job or the audit: it is read from the swarm afterwards, on request.
import type { JobRecord } from '../jobs/types.ts';
import { createSwarmReads } from '../queries/swarm-reads.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { swarmJoinTokens } from './swarm-join-tokens.ts';
import { startJob } from './start-job.ts';
import { findSwarmFor } from '../domain/swarm-registration.ts';
import type { JoinRole, SwarmRotateJoinTokenJobInput } from '../jobs/types.ts';

export interface SwarmRotateJoinTokenInput {
  swarm: string;
  role: 'WORKER' | 'MANAGER';
  /** Answer with the new token once the job succeeded (the read is audited as swarm.joinTokens.read). */
  reveal?: boolean | null | undefined;
  reason?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** Answer the plan only, change nothing (src/operations/plan-job.ts). */
  dryRun?: boolean | null | undefined;
}

export interface SwarmRotateJoinTokenResult {
  job: JobRecord;
  /** The role's token as the swarm has it now; null unless revealed after a succeeded job. */
  token: string | null;
}

export async function swarmRotateJoinToken(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmRotateJoinTokenInput,
): Promise<SwarmRotateJoinTokenResult> {
  const role: JoinRole = input.role === 'MANAGER' ? 'manager' : 'worker';
  const jobInput: SwarmRotateJoinTokenJobInput = { role };
  const job = await startJob(deps, ctx, {
    action: 'swarm.joinToken.rotate',
    swarm: input.swarm,
    input: { ...jobInput },
    reason: input.reason,
    reasonRequired: true,
    idempotencyKey: input.idempotencyKey,
    dryRun: input.dryRun,
    role: 'admin',
    quick: true,
  });
  // A plan rotated nothing: there is no new token to reveal.
  if (job.dryRun || !input.reveal || job.state !== 'succeeded' || !job.swarmId) return { job, token: null };
  // Read live rather than carried over from the job, so no row ever holds it; startJob has checked admin already,
  // and swarmJoinTokens audits the read (who saw a token, when) like every other token read.
  const swarm = await findSwarmFor(deps, ctx.principal, job.swarmId);
  const tokens = await swarmJoinTokens(deps, ctx, createSwarmReads(deps, ctx.principal), swarm);
  return { job, token: tokens[role] };
}
