// setNodeAvailability: `docker node update --availability active|pause|drain`. ACTIVE and PAUSE are quick jobs;
// DRAIN is a job that ends only when no task runs on the node any more (or its time-out passes).
import { hostnameOf } from '../docker/reads.ts';
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { requestJob } from './start-job.ts';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS, MAX_DRAIN_TIMEOUT_SECONDS } from '../domain/node-availability.ts';

export type NodeAvailability = 'ACTIVE' | 'PAUSE' | 'DRAIN';

export interface NodeSetAvailabilityInput {
  swarm: string;
  /** ID, unique ID prefix or hostname. */
  node: string;
  availability: NodeAvailability;
  /** DRAIN only: how long the job waits for the node's tasks to move before it fails. */
  timeoutSeconds?: number | null;
  reason?: string | null;
  idempotencyKey?: string | null;
  /** Answer the plan only, change nothing (src/operations/plan-job.ts). */
  dryRun?: boolean | null;
}

/** The audit's action, which is also the job type that picks the processor. */
const ACTIONS: Record<NodeAvailability, 'node.activate' | 'node.pause' | 'node.drain'> = {
  ACTIVE: 'node.activate',
  PAUSE: 'node.pause',
  DRAIN: 'node.drain',
};

export function nodeSetAvailability(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeSetAvailabilityInput,
): Promise<JobRecord> {
  const drain = input.availability === 'DRAIN';
  const timeoutSeconds = input.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS;
  // Both doors admit only the three values; a caller in code that passes another is refused before anything.
  if (!Object.hasOwn(ACTIONS, input.availability)) {
    return Promise.reject(
      badInput(`availability must be ACTIVE, PAUSE or DRAIN, not "${String(input.availability)}"`),
    );
  }
  return requestJob(deps, ctx, input, {
    action: ACTIONS[input.availability],
    node: input.node,
    input: {
      node: input.node,
      availability: String(input.availability).toLowerCase(),
      ...(drain ? { timeoutSeconds } : {}),
    },
    role: 'operator',
    quick: !drain,
    precheck: async (swarm, reads) => {
      if (
        drain &&
        (!Number.isInteger(timeoutSeconds) ||
          timeoutSeconds < 1 ||
          timeoutSeconds > MAX_DRAIN_TIMEOUT_SECONDS)
      ) {
        throw badInput(`timeoutSeconds must be a whole number from 1 to ${MAX_DRAIN_TIMEOUT_SECONDS}`);
      }
      const node = await reads.node(swarm, input.node);
      return { nodeId: node.ID, nodeName: hostnameOf(node) };
    },
  });
}
