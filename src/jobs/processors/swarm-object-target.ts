// What the network, secret and config jobs share: the object their operation resolved (in the job's target), and
// the label that tells a resumed job its own object from one of the same name made by someone else.
import { isNotFound } from '../../docker/errors.ts';
import { listConfigs, listSecrets } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerConfig, DockerSecret, DockerService } from '../../docker/types.ts';
import { inUseConflict, JOB_LABEL } from '../../domain/swarm-objects.ts';
import { isGatewayError } from '../../errors.ts';
import type { JobContext } from '../processor.ts';

/** A string field of the job's target (an id or name the operation recorded), or null. */
export function targetField(ctx: JobContext, field: string): string | null {
  const value = ctx.job.target[field];
  return typeof value === 'string' && value ? value : null;
}

/** The object's labels with this job's own. */
export function labelledByJob(ctx: JobContext, labels: Record<string, string>): Record<string, string> {
  return { ...labels, [JOB_LABEL]: ctx.job.id };
}

/** A secret by exact name, as a job looks for what it made (Docker's name filter matches prefixes). */
export async function findSecretByName(client: SwarmClient, name: string): Promise<DockerSecret | undefined> {
  return (await listSecrets(client)).find((secret) => secret.Spec.Name === name);
}

/** A config by exact name. */
export async function findConfigByName(client: SwarmClient, name: string): Promise<DockerConfig | undefined> {
  return (await listConfigs(client)).find((config) => config.Spec.Name === name);
}

/** How long a network removal is retried while tasks of services that left it are still stopping. */
const IN_USE_RETRY_MS = 30_000;
const RETRY_PAUSE_MS = 1_000;

export interface RemovalSteps<O> {
  /** 'network', 'secret' or 'config'. */
  kind: string;
  /** The object as the swarm has it now; null when it is gone. */
  find: (id: string) => Promise<O | null>;
  /** The services of the swarm that use it now. */
  users: (object: O) => Promise<DockerService[]>;
  remove: (id: string) => Promise<unknown>;
  /** Retry a refused removal for a while (networks: tasks of a removed service hold them until they stop). */
  retryWhileRefused?: boolean;
}

/**
 * Removes the object the operation resolved, unless it is gone already (removed before, or by this job before a
 * crash: success, nothing removed); CONFLICT naming the services when some use it now.
 */
export async function removeUnused<O>(
  ctx: JobContext,
  idField: string,
  nameField: string,
  steps: RemovalSteps<O>,
): Promise<{ id?: string; name?: string; removed: boolean; message?: string }> {
  const id = targetField(ctx, idField);
  const name = targetField(ctx, nameField) ?? id ?? '';
  // No id: there was no such object when the removal was asked for; nothing to do.
  if (!id) return { name, removed: false, message: `no ${steps.kind} "${name}": nothing to remove` };
  const object = await steps.find(id);
  if (!object) return { id, name, removed: false, message: `the ${steps.kind} was already gone` };
  const users = await steps.users(object);
  if (users.length > 0) throw inUseConflict(steps.kind, name, users);

  await ctx.progress(0, 'removing', `removing ${steps.kind} ${name}`);
  const deadline = Date.now() + (steps.retryWhileRefused ? IN_USE_RETRY_MS : 0);
  for (;;) {
    try {
      await steps.remove(id);
      break;
    } catch (error) {
      if (isNotFound(error))
        return { id, name, removed: false, message: `the ${steps.kind} was already gone` };
      if (!isGatewayError(error) || error.code === 'SWARM_UNREACHABLE' || Date.now() >= deadline) throw error;
      // Refused although no service uses it: tasks are still leaving it. A service added meanwhile is CONFLICT.
      const now = await steps.find(id);
      if (!now) return { id, name, removed: false, message: `the ${steps.kind} was already gone` };
      const usersNow = await steps.users(now);
      if (usersNow.length > 0) throw inUseConflict(steps.kind, name, usersNow);
      await ctx.progress(0, 'removing', `${steps.kind} ${name} is still held by stopping tasks; retrying`);
      await ctx.sleep(RETRY_PAUSE_MS);
    }
  }
  await ctx.progress(100, 'removing', 'removed');
  return { id, name, removed: true };
}
