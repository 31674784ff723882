// Processor of swarm.init: `docker swarm init` on an engine in no swarm, then the new swarm's registration in the
// job's tenant exactly as registerSwarm does it. Resumable: the swarm carries this job's id as a label.
import { parseEndpoint, type EngineEndpoint } from '../../docker/endpoint.ts';
import { ENGINE_CALL_MS, engineOf, type Engine } from '../../docker/engine.ts';
import { clusterOf } from '../../docker/engine-proof.ts';
import { alreadyInSwarmError, engineFailureShort, joinFailure } from '../../docker/errors.ts';
import { engineInfo } from '../../docker/reads.ts';
import type { DockerInfo } from '../../docker/types.ts';
import { engine as engineCalls } from '../../docker/writes.ts';
import { conflict, GatewayError } from '../../errors.ts';
import { verifyManagers } from '../../domain/swarm-registration.ts';
import type { SwarmRecord } from '../../registry/repository.ts';
import { withTimeout } from '../../util/timeout.ts';
import type { SwarmInitJobInput } from '../types.ts';
import type { JobContext, JobOutcomeOf, Processor } from '../processor.ts';

/** Swarm label naming the job that made the swarm, so a resumed job knows the swarm it finds is its own. */
export const INIT_JOB_LABEL = 'io.swarmgate.init-job';
const DEFAULT_LISTEN = '0.0.0.0:2377';

export const swarmInitProcessor: Processor<'swarm.init'> = async (context) => {
  const input = context.input;
  const tenant = context.job.tenant;
  const engine = engineOf(input.endpoint, context.job.requestedBy.roles);
  const timeoutMs = context.deps.dockerTimeoutMs;

  await context.progress(5, 'inspect-engine', `asking ${engine.url} whether it is in a swarm`);
  const info = await engineInfo(engine, timeoutMs);
  const clusterId = info.Swarm.Cluster?.ID ?? null;
  const registered = await context.deps.registry.findSwarm(tenant, input.name);
  if (registered) {
    // Registered by a run of this job that then crashed: done. Anything else is a name already taken.
    if (clusterId && registered.clusterId === clusterId && isOurs(info, context)) {
      return outcomeOf(registered, info.Swarm.NodeID);
    }
    throw conflict(`a swarm named "${input.name}" is already registered in this tenant; choose another name`);
  }

  if ((info.Swarm.LocalNodeState || 'inactive') === 'inactive') {
    await context.progress(20, 'init', `${engine.url} initializes a new swarm`);
    await init(engine, input, context);
  } else if (!isOurs(info, context) || (await registeredElsewhere(context, info))) {
    throw alreadyInSwarm(engine, info);
  }

  await context.progress(70, 'register', `registering swarm "${input.name}" in tenant "${tenant}"`);
  try {
    const parsed = parseEndpoint(input.endpoint);
    const endpoint: EngineEndpoint = {
      url: parsed.url,
      ...(parsed.kind === 'tcp' && parsed.tls ? { tls: parsed.tls } : {}),
      ...(input.endpoint.address ? { address: input.endpoint.address } : {}),
      // engineOf held it to the tenant rules unless a platform-admin requested the job.
      ...(context.job.requestedBy.roles.includes('platform-admin') ? { platformGranted: true } : {}),
    };
    const endpoints = [endpoint];
    const verified = await verifyManagers(endpoints, timeoutMs);
    const tenantRecord = await context.deps.registry.ensureTenant(tenant);
    const swarm = await context.deps.registry.insertSwarm({
      tenantId: tenantRecord.id,
      name: input.name,
      clusterId: verified.clusterId,
      managerNodeIds: verified.managerNodeIds,
      labels: input.labels,
      endpoints,
    });
    const nodeId = (await engineInfo(engine, timeoutMs)).Swarm.NodeID;
    return outcomeOf(swarm, nodeId);
  } catch (error) {
    // An unregistered swarm nobody asked for is worse than none: the engine goes back to how it was.
    await undoInit(context, engine);
    throw error;
  }
};

const isOurs = (info: DockerInfo, context: JobContext) =>
  info.Swarm.ControlAvailable && info.Swarm.Cluster?.Spec?.Labels?.[INIT_JOB_LABEL] === context.job.id;

function outcomeOf(swarm: SwarmRecord, nodeId: string): JobOutcomeOf<'swarm.init'> {
  return {
    result: { swarmId: swarm.id, swarmName: swarm.name, clusterId: swarm.clusterId, nodeId },
    target: { swarmId: swarm.id, swarmName: swarm.name },
  };
}

async function init(engine: Engine, input: SwarmInitJobInput, context: JobContext): Promise<void> {
  const advertise = input.advertiseAddress ?? engine.ip;
  try {
    await withTimeout(
      engineCalls.init(engine.docker, {
        ListenAddr: input.listenAddress ?? DEFAULT_LISTEN,
        ...(advertise ? { AdvertiseAddr: advertise } : {}),
        // Docker merges these into its defaults: what is left out keeps Docker's default value.
        Spec: {
          Labels: { [INIT_JOB_LABEL]: context.job.id },
          ...(input.certExpirySeconds ? { CAConfig: { NodeCertExpiry: input.certExpirySeconds * 1e9 } } : {}),
          ...(input.autolock ? { EncryptionConfig: { AutoLockManagers: true } } : {}),
        },
      }),
      ENGINE_CALL_MS,
      `${engine.url} (swarm.init)`,
    );
  } catch (error) {
    throw joinFailure(error, { engine: engine.url, swarm: input.name, managers: [] });
  }
}

async function undoInit(context: JobContext, engine: Engine): Promise<void> {
  try {
    const info = await engineInfo(engine, context.deps.dockerTimeoutMs);
    if (!isOurs(info, context)) return;
    await withTimeout(engineCalls.leave(engine.docker, true), ENGINE_CALL_MS, `${engine.url} (swarm.leave)`);
  } catch (error) {
    context.log.warn(
      { engine: engine.url, problem: error instanceof GatewayError ? error.code : engineFailureShort(error) },
      'the new swarm could not be registered nor undone: the engine stays its manager',
    );
  }
}

/** True when the engine's cluster is registered already (in any tenant): never this job's to take over. */
async function registeredElsewhere(context: JobContext, info: DockerInfo): Promise<boolean> {
  const cluster = clusterOf(info);
  return (await context.deps.registry.findClusterOwner(cluster.clusterId, cluster.managerNodeIds)) !== null;
}

/**
 * An engine in a swarm already: of a state of its own (pending, locked) it says which; of any swarm it names nothing,
 * in the same words whether some tenant registered that swarm or none did.
 */
function alreadyInSwarm(engine: Engine, info: DockerInfo): GatewayError {
  const state = info.Swarm.LocalNodeState;
  if (state === 'pending' || state === 'locked') {
    return new GatewayError(
      'ALREADY_IN_SWARM',
      `the engine at ${engine.url} is ${state === 'pending' ? 'joining a swarm (state pending)' : 'part of a locked swarm'}` +
        ': make it leave first (`docker swarm leave --force` on that engine), then retry',
      { engine: engine.url, state },
    );
  }
  return alreadyInSwarmError(engine.url);
}
