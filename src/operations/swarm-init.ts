// initSwarm: creates a new swarm on an engine that is in none and registers it in the caller's tenant (admin).
// There is no registered swarm to start a job on yet, so this door creates its (swarm-less) job itself.
import { requireRole } from '../auth/authorize.ts';
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import { validateSwarmAddress } from './swarm-join-node.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';
import { createAndQueue, waitForEnd } from './start-job.ts';
import { labelsFromInput, validateSwarmName } from '../domain/swarm-registration.ts';
import type { SwarmInitJobInput } from '../jobs/types.ts';
import type { JobRequest } from './start-job.ts';

/** Docker's floor for node certificate validity (`--cert-expiry`). */
const MIN_CERT_EXPIRY_SECONDS = 3600;

/** Like any job's request, but for a swarm that does not exist yet. */
export interface SwarmInitInput extends Omit<JobRequest, 'swarm'> {
  name: string;
  endpoint: EngineEndpoint;
  advertiseAddress?: string | null | undefined;
  listenAddress?: string | null | undefined;
  autolock?: boolean | null | undefined;
  certExpirySeconds?: number | null | undefined;
  labels?: readonly { key: string; value?: string | null }[] | null | undefined;
}

export function swarmInit(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmInitInput,
): Promise<JobRecord> {
  const tenant = ctx.principal.tenant;
  const parameters = {
    name: input.name,
    endpoint: { url: input.endpoint.url, tls: input.endpoint.tls ?? null },
    advertiseAddress: input.advertiseAddress ?? null,
    listenAddress: input.listenAddress ?? null,
    autolock: input.autolock ?? false,
    certExpirySeconds: input.certExpirySeconds ?? null,
    labels: (input.labels ?? []).map(({ key, value }) => ({ key, value: value ?? '' })),
  };
  let replay = false;
  return runOperation(deps, ctx, {
    action: 'swarm.init',
    parameters,
    reason: input.reason,
    // The swarm does not exist yet: the events go to the caller's tenant, naming the swarm to be.
    locate: () => Promise.resolve({ tenant, target: { swarmName: input.name } }),
    execute: async ({ operationId }) => {
      requireRole(ctx.principal, 'admin', 'initialize a swarm');
      const endpoint = await deps.endpointPolicy.check(parameters.endpoint, ctx.principal, 'endpoint');
      const jobInput: SwarmInitJobInput = {
        name: validateSwarmName(input.name),
        endpoint,
        advertiseAddress: validateSwarmAddress(parameters.advertiseAddress, 'advertiseAddress'),
        listenAddress: validateSwarmAddress(parameters.listenAddress, 'listenAddress'),
        autolock: parameters.autolock,
        certExpirySeconds: validCertExpiry(parameters.certExpirySeconds),
        labels: labelsFromInput(parameters.labels),
      };
      // Docker's init and the registration are a job (the only place that changes engines, resumable after a
      // crash); a swarm-less one, so no swarm lock: two inits on one engine are told apart by Docker itself.
      const { job, created } = await createAndQueue(deps, {
        tenant,
        type: 'swarm.init',
        swarmId: null,
        swarmName: jobInput.name,
        target: { swarmName: jobInput.name, engine: endpoint.url },
        input: { ...jobInput },
        reason: input.reason?.trim() || null,
        forced: false,
        operationId,
        ctx,
        idempotencyKey: input.idempotencyKey ?? null,
      });
      replay = !created;
      return waitForEnd(deps, job);
    },
    // As startJob: a replayed idempotency key gets its own outcome; a new job's outcome comes from its worker.
    summarize: (job) =>
      replay ? { jobId: job.id, result: { idempotentReplayOf: job.id } } : { jobId: job.id, deferred: true },
  });
}

function validCertExpiry(seconds: number | null): number | null {
  if (seconds === null) return null;
  if (!Number.isInteger(seconds) || seconds < MIN_CERT_EXPIRY_SECONDS) {
    throw badInput(
      `certExpirySeconds must be a whole number of seconds, at least ${MIN_CERT_EXPIRY_SECONDS}`,
    );
  }
  return seconds;
}
