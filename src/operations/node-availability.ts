// setNodeAvailability: `docker node update --availability active|pause|drain`. ACTIVE and PAUSE are quick jobs;
// DRAIN is a job that ends only when no task runs on the node any more (or its time-out passes).
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from './pipeline.ts';
import { startJob } from './start-job.ts';

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
}

/** The audit's action, which is also the job type that picks the processor. */
const ACTIONS: Record<NodeAvailability, string> = {
  ACTIVE: 'node.activate',
  PAUSE: 'node.pause',
  DRAIN: 'node.drain',
};

export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;
const MAX_DRAIN_TIMEOUT_SECONDS = 24 * 3600;

export function nodeSetAvailability(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeSetAvailabilityInput,
): Promise<JobRecord> {
  const drain = input.availability === 'DRAIN';
  const timeoutSeconds = input.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS;
  return startJob(deps, ctx, {
    // An unknown value (possible through code paths other than the two doors) is refused below, audited.
    action: ACTIONS[input.availability] ?? 'node.availability',
    swarm: input.swarm,
    node: input.node,
    input: {
      node: input.node,
      availability: String(input.availability).toLowerCase(),
      ...(drain ? { timeoutSeconds } : {}),
    },
    reason: input.reason,
    idempotencyKey: input.idempotencyKey,
    role: 'operator',
    quick: !drain,
    precheck: async (swarm, reads) => {
      if (!(input.availability in ACTIONS)) {
        throw badInput(`availability must be ACTIVE, PAUSE or DRAIN, not "${String(input.availability)}"`);
      }
      if (
        drain &&
        (!Number.isInteger(timeoutSeconds) ||
          timeoutSeconds < 1 ||
          timeoutSeconds > MAX_DRAIN_TIMEOUT_SECONDS)
      ) {
        throw badInput(`timeoutSeconds must be a whole number from 1 to ${MAX_DRAIN_TIMEOUT_SECONDS}`);
      }
      const node = await reads.node(swarm, input.node);
      return { nodeId: node.ID, nodeName: node.Description?.Hostname ?? node.ID };
    },
  });
}
