// stack.remove: `docker stack rm` as a job. The services go first; a network cannot go while a task is attached to
// it, so the job then waits for the services' tasks to stop and removes the networks, retrying until its time-out;
// then the secrets and the configs. Each phase lists what is left of the stack from a manager now, so a job run again
// after a crash removes only what the first run did not, and a stack already gone is success with nothing removed.
import { isNotFound } from '../../docker/errors.ts';
import { listServices, listTasks } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerTaskState } from '../../docker/types.ts';
import { removeConfig, removeNetwork, removeSecret, removeService } from '../../docker/writes.ts';
import { waitLimitMs } from '../../domain/service-spec.ts';
import {
  listStackMembers,
  memberCount,
  stackNameOf,
  STACK_REMOVE_TIMEOUT_SECONDS,
} from '../../domain/stack-namespace.ts';
import { conflict, isGatewayError, jobTimeout } from '../../errors.ts';
import type { StackRemovedObject } from '../types.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';

/** How often tasks are listed while waiting, and how soon a network still in use is tried again. */
const POLL_MS = 500;

/** Task states up to `running`: a task in one of them may hold (or is about to hold) a network attachment. */
const LIVE_STATES: ReadonlySet<DockerTaskState> = new Set([
  'new',
  'allocated',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
]);

type Kind = StackRemovedObject['kind'];
/** An object of the stack, as the result names it once removed. */
type Member = StackRemovedObject;

export async function stackRemoveProcessor(
  ctx: JobContext<'stack.remove'>,
): Promise<JobOutcomeOf<'stack.remove'>> {
  const client = requireClient(ctx);
  const stack = stackNameOf(ctx.input.name);
  const timeoutMs = waitLimitMs(ctx.input, STACK_REMOVE_TIMEOUT_SECONDS);
  const deadline = Date.now() + timeoutMs;

  const found = await listStackMembers(client, stack);
  const total = memberCount(found);
  if (total === 0) {
    await ctx.progress(100, 'removed', 'nothing to remove');
    return {
      result: { stack, removed: [], message: `no object of stack "${stack}" is left: nothing to remove` },
    };
  }
  const removed: StackRemovedObject[] = [];
  /** Removes one object, with progress; one gone already (a person, or this job before a crash) is not counted. */
  const removeOne = async (step: string, object: Member, remove: () => Promise<unknown>) => {
    await ctx.progress(percentOf(removed.length, total), step, `removing ${object.kind} ${object.name}`);
    if (await removedNow(remove)) removed.push(object);
  };

  const services = byName(found.services.map((s) => member('service', s.ID, s.Spec.Name)));
  for (const service of services) {
    await removeOne('removing services', service, () => removeService(client, service.id));
  }
  await untilTasksStopped(ctx, client, services, deadline, (live) =>
    ctx.progress(percentOf(removed.length, total), 'waiting for tasks', `${live} task(s) still stopping`),
  );

  // Listed again: what is left now (a resumed job, or objects another client removed meanwhile).
  const left = await listStackMembers(client, stack);
  for (const network of byName(left.networks.map((n) => member('network', n.Id, n.Name)))) {
    await removeOne('removing networks', network, () =>
      retryUntil(ctx, deadline, timeoutMs, stack, network, () => removeNetwork(client, network.id)),
    );
  }
  for (const secret of byName(left.secrets.map((s) => member('secret', s.ID, s.Spec.Name)))) {
    await removeOne('removing secrets', secret, () =>
      inUseIsConflict(stack, secret, () => removeSecret(client, secret.id)),
    );
  }
  for (const config of byName(left.configs.map((c) => member('config', c.ID, c.Spec.Name)))) {
    await removeOne('removing configs', config, () =>
      inUseIsConflict(stack, config, () => removeConfig(client, config.id)),
    );
  }
  await ctx.progress(100, 'removed', `${removed.length} of ${total} objects removed`);
  return { result: { stack, removed } };
}

const member = (kind: Kind, id: string, name: string): Member => ({ kind, id, name });
const byName = (members: Member[]) => members.sort((a, b) => a.name.localeCompare(b.name));
const percentOf = (done: number, total: number) => Math.min(99, Math.round((100 * done) / total));

/** True when `remove` removed the object, false when it was not there (any other failure is thrown). */
async function removedNow(remove: () => Promise<unknown>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Waits until no task of the removed services may still hold a network (every one stopped, or deleted by Docker),
 * or until the deadline: past it, the network removals that follow try once and say what is still in use.
 */
async function untilTasksStopped(
  ctx: JobContext<'stack.remove'>,
  client: SwarmClient,
  services: readonly Member[],
  deadline: number,
  report: (live: number) => Promise<void>,
): Promise<void> {
  if (services.length === 0) return;
  const ids = new Set(services.map((service) => service.id));
  for (;;) {
    const live = (await listTasks(client)).filter(
      (task) => ids.has(task.ServiceID) && LIVE_STATES.has(task.Status.State),
    ).length;
    if (live === 0 || Date.now() >= deadline) return;
    await report(live);
    await ctx.sleep(POLL_MS);
  }
}

/**
 * Runs `remove` until it succeeds or the object is gone, trying again while the swarm refuses (a network stays in
 * use until the last task attached to it stopped); past the deadline, JOB_TIMEOUT naming the object and what holds
 * it. A swarm that cannot be reached ends the job at once.
 */
async function retryUntil(
  ctx: JobContext<'stack.remove'>,
  deadline: number,
  timeoutMs: number,
  stack: string,
  network: Member,
  remove: () => Promise<unknown>,
): Promise<void> {
  for (;;) {
    try {
      await remove();
      return;
    } catch (error) {
      if (isNotFound(error) || (isGatewayError(error) && error.code === 'SWARM_UNREACHABLE')) throw error;
      if (Date.now() >= deadline) {
        const users = await servicesOn(requireClient(ctx), network.id);
        throw jobTimeout(
          `network "${network.name}" of stack "${stack}" was still in use after ${timeoutMs / 1000} s ` +
            (users.length > 0
              ? `by service ${users.join(', ')}; remove that from the network, then remove the stack again`
              : 'by tasks still stopping; remove the stack again once they have stopped'),
          { stack, kind: network.kind, name: network.name, services: users },
        );
      }
      await ctx.sleep(POLL_MS);
    }
  }
}

/** The names of the services attached to a network (in their task template, or the older spec-level list). */
async function servicesOn(client: SwarmClient, networkId: string): Promise<string[]> {
  const services = await listServices(client);
  return services
    .filter((service) =>
      [...(service.Spec.TaskTemplate.Networks ?? []), ...(service.Spec.Networks ?? [])].some(
        (attachment) => attachment.Target === networkId,
      ),
    )
    .map((service) => service.Spec.Name)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * A secret or config the swarm refuses to remove once the stack's services are gone is used by a service outside the
 * stack: CONFLICT naming it, and the job ends (waiting would not change that).
 */
async function inUseIsConflict(stack: string, object: Member, remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (isNotFound(error) || !isGatewayError(error) || error.code === 'SWARM_UNREACHABLE') throw error;
    throw conflict(
      `${object.kind} "${object.name}" of stack "${stack}" could not be removed; a service outside the stack ` +
        `may still use it (${error.message})`,
      { stack, kind: object.kind, name: object.name },
    );
  }
}
