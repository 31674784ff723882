// service.create: creates the service unless a service of that name and spec is there already (a resumed job
// finds its own), then waits until its desired tasks run.
import { listServicesByName } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerService } from '../../docker/types.ts';
import { createService } from '../../docker/writes.ts';
import { isGatewayError } from '../../errors.ts';
import { nameTakenConflict, sameServiceSpec, serviceDefinitionOf } from '../../domain/service-spec.ts';
import { admitServiceSpec, specLookupsOf } from '../../domain/service-admission.ts';
import { currentPolicy } from './service-policy.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { followService, taskSummary } from './service-progress.ts';

async function findByName(client: SwarmClient, name: string): Promise<DockerService | undefined> {
  // Docker's name filter matches prefixes too.
  return (await listServicesByName(client, name)).find((service) => service.Spec.Name === name);
}

function sameOrConflict(wanted: DockerService['Spec'], existing: DockerService): DockerService {
  if (sameServiceSpec(wanted, existing.Spec)) return existing;
  throw nameTakenConflict(wanted, existing);
}

export async function serviceCreateProcessor(
  ctx: JobContext<'service.create'>,
): Promise<JobOutcomeOf<'service.create'>> {
  const client = requireClient(ctx);
  const { spec: built, timeoutMs } = serviceDefinitionOf(ctx.input);
  // Again now: the policy, the networks, secrets and configs may have changed since the request.
  const spec = await admitServiceSpec(built, await currentPolicy(ctx), specLookupsOf(client));

  let created = false;
  let existing = await findByName(client, spec.Name);
  let serviceId: string;
  if (existing) {
    serviceId = sameOrConflict(spec, existing).ID;
  } else {
    await ctx.progress(0, 'creating', `creating service ${spec.Name}`);
    try {
      const answer = await createService(client, spec);
      serviceId = answer.ID ?? answer.id ?? '';
      created = true;
    } catch (error) {
      // Created meanwhile by someone else (or by this job's answer that got lost): judge what is there.
      if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
      existing = await findByName(client, spec.Name);
      if (!existing) throw error;
      serviceId = sameOrConflict(spec, existing).ID;
    }
  }

  // Known from here on, however the wait below ends (IMAGE_MISSING, JOB_TIMEOUT, cancelled).
  await ctx.learnTarget({ serviceId, serviceName: spec.Name });

  const global = spec.Mode?.Global !== undefined;
  const observation = await followService(ctx, client, serviceId, {
    step: 'starting',
    awaiting: `service ${spec.Name} to run its tasks`,
    timeoutMs,
    judge: (_observation, counts) => {
      const message = taskSummary(counts);
      const ready =
        counts.running >= counts.desired && counts.leaving === 0 && (!global || counts.desired > 0);
      return ready
        ? { done: true, message }
        : { done: false, percent: counts.desired ? (100 * counts.running) / counts.desired : 0, message };
    },
  });
  return {
    target: { serviceId, serviceName: spec.Name },
    result: {
      serviceId,
      created,
      image: observation.service.Spec.TaskTemplate.ContainerSpec?.Image ?? null,
      runningTasks: observation.tasks.filter(
        (task) => task.DesiredState === 'running' && task.Status.State === 'running',
      ).length,
    },
  };
}
