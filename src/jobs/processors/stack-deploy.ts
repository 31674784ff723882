// stack.deploy: the gateway's `docker stack deploy`. Converts the compose file again (the swarm's policy may have
// changed since the request), plans against the swarm as a manager lists it now, and for a dry run ends there. A
// real deploy creates the missing networks, secrets and configs, creates or updates (versioned) each service whose
// spec differs, prunes if asked, then waits until every service of the file runs its tasks. Idempotent: a resumed
// job plans again and applies only what is left; an unchanged service is never touched (its version stays).
import { listConfigs, listNetworks, listSecrets, listServices } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerService, DockerServiceSpec } from '../../docker/types.ts';
import {
  createConfig,
  createNetwork,
  createSecret,
  createService,
  removeConfig,
  removeNetwork,
  removeSecret,
  removeService,
  updateServiceSpec,
} from '../../docker/writes.ts';
import { isGatewayError } from '../../errors.ts';
import type { StackDefinition, StackFileObject, StackService } from '../../domain/stack-convert.ts';
import { stackDeploymentOf, withoutSecretValues } from '../../domain/stack-deployment.ts';
import {
  checkApplicable,
  networkByName,
  planStack,
  planSummary,
  serviceSpecDiff,
  withObjectIds,
  type PlanEntry,
  type SwarmObjects,
} from '../../domain/stack-plan.ts';
import { policyOf } from '../../domain/swarm-policy.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import type { StackServiceOutcome } from '../types.ts';
import { followService, taskSummary } from './service-progress.ts';

async function listSwarmObjects(client: SwarmClient): Promise<SwarmObjects> {
  const [services, networks, secrets, configs] = await Promise.all([
    listServices(client),
    listNetworks(client),
    listSecrets(client),
    listConfigs(client),
  ]);
  return { services, networks, secrets, configs };
}

/** Runs `create`; a CONFLICT (made meanwhile, or by this job before a crash) is fine: the object is there. */
async function createUnlessThere(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
  }
}

/** Networks, secrets and configs of the file that the swarm does not have yet. */
async function createObjects(
  ctx: JobContext<'stack.deploy'>,
  client: SwarmClient,
  definition: StackDefinition,
  objects: SwarmObjects,
): Promise<void> {
  for (const network of definition.networks) {
    if (network.external || !network.create || networkByName(objects.networks, network.name)) continue;
    await ctx.progress(10, 'creating', `creating network ${network.name}`);
    await createUnlessThere(() => createNetwork(client, network.create!));
  }
  const missing = (object: StackFileObject, list: { Spec: { Name: string } }[]) =>
    !object.external && object.spec && !list.some((existing) => existing.Spec.Name === object.name);
  for (const secret of definition.secrets.filter((object) => missing(object, objects.secrets))) {
    await ctx.progress(10, 'creating', `creating secret ${secret.name}`);
    await createUnlessThere(() => createSecret(client, { ...secret.spec!, Name: secret.name }));
  }
  for (const config of definition.configs.filter((object) => missing(object, objects.configs))) {
    await ctx.progress(10, 'creating', `creating config ${config.name}`);
    await createUnlessThere(() => createConfig(client, { ...config.spec!, Name: config.name }));
  }
}

/** Creates the service, or updates it (versioned) when its spec differs; answers its ID and what was done. */
async function applyService(
  client: SwarmClient,
  service: StackService,
  objects: SwarmObjects,
): Promise<{ serviceId: string; action: StackServiceOutcome['action'] }> {
  const desired = withObjectIds(service.spec, objects);
  const existing = objects.services.find((candidate) => candidate.Spec.Name === service.name);
  if (!existing) {
    try {
      const answer = await createService(client, desired);
      return { serviceId: answer.ID ?? answer.id ?? '', action: 'created' };
    } catch (error) {
      // Created meanwhile (or by this job before a crash, its answer lost): update what is there instead.
      if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
      const found = (await listServices(client)).find((candidate) => candidate.Spec.Name === service.name);
      if (!found) throw error;
      return updateExisting(client, found, desired);
    }
  }
  return updateExisting(client, existing, desired);
}

async function updateExisting(
  client: SwarmClient,
  existing: DockerService,
  desired: DockerServiceSpec,
): Promise<{ serviceId: string; action: StackServiceOutcome['action'] }> {
  const { changed } = await updateServiceSpec(client, existing.ID, (current) =>
    serviceSpecDiff(current.Spec, desired).length === 0
      ? null
      : // The service's own force-update counter stays: a changed counter alone restarts every task.
        {
          ...desired,
          TaskTemplate: { ...desired.TaskTemplate, ForceUpdate: current.Spec.TaskTemplate.ForceUpdate ?? 0 },
        },
  );
  return { serviceId: existing.ID, action: changed ? 'updated' : 'unchanged' };
}

/**
 * Removes what prune planned: services first, then networks, secrets and configs, which stay in use until the
 * removed services' tasks stopped (retried until the deadline).
 */
async function prune(
  ctx: JobContext<'stack.deploy'>,
  client: SwarmClient,
  removals: PlanEntry[],
  deadline: number,
): Promise<PlanEntry[]> {
  const removed: PlanEntry[] = [];
  const objects = await listSwarmObjects(client);
  const idOf = (entry: PlanEntry): string | undefined => {
    if (entry.kind === 'service') return objects.services.find((item) => item.Spec.Name === entry.name)?.ID;
    if (entry.kind === 'network') return networkByName(objects.networks, entry.name)?.Id;
    const list = entry.kind === 'secret' ? objects.secrets : objects.configs;
    return list.find((item: { Spec: { Name: string } }) => item.Spec.Name === entry.name)?.ID;
  };
  const remove = {
    service: removeService,
    network: removeNetwork,
    secret: removeSecret,
    config: removeConfig,
  } as const;
  for (const entry of removals) {
    const id = idOf(entry);
    if (!id) continue;
    await ctx.progress(50, 'pruning', `removing ${entry.kind} ${entry.name}`);
    for (;;) {
      try {
        await remove[entry.kind](client, id);
        removed.push(entry);
        break;
      } catch (error) {
        if (isGatewayError(error) && error.code === 'NOT_FOUND') break;
        // In use by tasks still stopping: try again until the deadline.
        if (!isGatewayError(error) || error.code !== 'CONFLICT' || Date.now() >= deadline) throw error;
        await ctx.sleep(1000);
      }
    }
  }
  return removed;
}

/** Waits until the service runs its desired tasks (as service.create waits), IMAGE_MISSING when a node lacks it. */
async function untilRunning(
  ctx: JobContext<'stack.deploy'>,
  client: SwarmClient,
  name: string,
  serviceId: string,
  deadline: number,
): Promise<{ running: number; desired: number }> {
  let last = { running: 0, desired: 0 };
  await followService(ctx, client, serviceId, {
    step: 'starting',
    awaiting: `service ${name} to run its tasks`,
    timeoutMs: Math.max(1000, deadline - Date.now()),
    judge: ({ service }, counts) => {
      last = { running: counts.runningCurrent, desired: counts.desired };
      const global = service.Spec.Mode?.Global !== undefined;
      const ready =
        counts.runningCurrent >= counts.desired && counts.leaving === 0 && (!global || counts.desired > 0);
      const message = `${name}: ${taskSummary(counts, 'the current spec')}`;
      return ready
        ? { done: true, message }
        : {
            done: false,
            percent: counts.desired ? (100 * counts.runningCurrent) / counts.desired : 0,
            message,
          };
    },
  });
  return last;
}

export async function stackDeployProcessor(
  ctx: JobContext<'stack.deploy'>,
): Promise<JobOutcomeOf<'stack.deploy'>> {
  const client = requireClient(ctx);
  const deployment = stackDeploymentOf(ctx.input, policyOf(ctx.swarm), ctx.deps.digest);
  const { definition, secretValues } = deployment;
  const stack = definition.stack;
  const deadline = Date.now() + deployment.timeoutMs;

  const objects = await listSwarmObjects(client);
  checkApplicable(definition, objects);
  const plan = withoutSecretValues(planStack(definition, objects, deployment.prune), secretValues);
  await ctx.progress(5, 'planned', planSummary(plan));
  if (deployment.dryRun) return { target: { stackName: stack }, result: { stack, plan, applied: false } };

  await createObjects(ctx, client, definition, objects);
  // The IDs of what was just created, for the services' references.
  const withCreated = await listSwarmObjects(client);
  const applied: { service: StackService; serviceId: string; action: StackServiceOutcome['action'] }[] = [];
  for (const [index, service] of definition.services.entries()) {
    const percent = 20 + Math.floor((30 * index) / definition.services.length);
    await ctx.progress(percent, 'applying', `service ${service.name}`);
    applied.push({ service, ...(await applyService(client, service, withCreated)) });
  }
  const removed = deployment.prune ? await prune(ctx, client, plan.remove, deadline) : [];

  const services: StackServiceOutcome[] = [];
  for (const { service, serviceId, action } of applied) {
    const counts = await untilRunning(ctx, client, service.name, serviceId, deadline);
    services.push({
      name: service.name,
      serviceId,
      action,
      runningTasks: counts.running,
      desiredTasks: counts.desired,
    });
  }
  await ctx.progress(100, 'done', `stack ${stack}: ${planSummary(plan)}`);
  return {
    target: { stackName: stack },
    result: { stack, plan, applied: true, services, ...(deployment.prune ? { removed } : {}) },
  };
}
