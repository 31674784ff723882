// secret.rotate: one job in three steps, each resumable from what the swarm shows: (1) the new secret, found by its
// name and this job's label or created; (2) every service that still uses the old secret moved to the new one (same
// target file, uid, gid and mode: only the ID and name change), one versioned update at a time, each followed until
// Docker completed it; (3) the old secret removed. A job run again after a crash skips what is done: a service that
// no longer uses the old secret is not updated twice, and an update it sent before the crash is followed to its end.
import { findSecret, listServices } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerSecret, DockerService, DockerServiceSpec } from '../../docker/types.ts';
import { createSecret, removeSecret, updateServiceSpec } from '../../docker/writes.ts';
import {
  createdByJob,
  inUseConflict,
  JOB_LABEL,
  nameTakenByOther,
  servicesUsingSecret,
} from '../../domain/swarm-objects.ts';
import { conflict, GatewayError, isGatewayError } from '../../errors.ts';
import { isNotFound } from '../../docker/errors.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { updateJudge } from './service-update.ts';
import { followService } from './service-progress.ts';
import { findSecretByName, labelledByJob, targetField } from './swarm-object-target.ts';

/** How long each service's rolling update may take. */
const UPDATE_TIMEOUT_MS = 600_000;
/** Rounds of "list the users, move them": a service given the old secret meanwhile is moved in the next round. */
const MAX_ROUNDS = 3;
/** The label saying which secret a rotated one replaced. */
const ROTATED_FROM_LABEL = 'com.swarmgate.rotated-from';

/** The service's spec with every reference to the old secret pointing to the new one; null when none is left. */
function movedSpec(
  service: DockerService,
  from: string,
  to: { id: string; name: string },
): DockerServiceSpec | null {
  const container = service.Spec.TaskTemplate.ContainerSpec;
  const refs = container?.Secrets ?? [];
  if (!refs.some((ref) => ref.SecretID === from)) return null;
  return {
    ...service.Spec,
    TaskTemplate: {
      ...service.Spec.TaskTemplate,
      ContainerSpec: {
        ...container,
        Secrets: refs.map((ref) =>
          ref.SecretID === from ? { ...ref, SecretID: to.id, SecretName: to.name } : ref,
        ),
      },
    },
  };
}

/** Step 1: the new secret, this job's own if it made it before a crash. */
async function newSecretOf(
  ctx: JobContext<'secret.rotate'>,
  client: SwarmClient,
  old: DockerSecret | null,
  oldId: string,
  newName: string,
): Promise<{ id: string; created: boolean }> {
  const existing = await findSecretByName(client, newName);
  if (existing) {
    if (!createdByJob(existing.Spec.Labels, ctx.job.id)) throw nameTakenByOther('secret', newName);
    return { id: existing.ID, created: false };
  }
  if (!old) {
    throw new GatewayError('NOT_FOUND', `the secret to rotate (${oldId}) is gone; nothing was changed`);
  }
  await ctx.progress(0, 'creating', `creating secret ${newName}`);
  // The old secret's labels go on (a stack's namespace too), with this job's own and the secret it replaces.
  const { [JOB_LABEL]: _job, ...labels } = old.Spec.Labels ?? {};
  try {
    const id = await createSecret(client, {
      Name: newName,
      Labels: { ...labelledByJob(ctx, labels), [ROTATED_FROM_LABEL]: oldId },
      Data: ctx.input.secretData,
    });
    return { id, created: true };
  } catch (error) {
    if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
    const now = await findSecretByName(client, newName);
    if (!now || !createdByJob(now.Spec.Labels, ctx.job.id)) throw nameTakenByOther('secret', newName);
    return { id: now.ID, created: false };
  }
}

/** Follows one service's update, its progress shown as a share of the job's. */
async function follow(
  ctx: JobContext<'secret.rotate'>,
  client: SwarmClient,
  service: DockerService,
  share: { from: number; to: number },
): Promise<void> {
  const name = service.Spec.Name;
  const scoped = {
    ...ctx,
    progress: (percent: number, step: string, message?: string | null) =>
      ctx.progress(
        Math.floor(share.from + ((share.to - share.from) * percent) / 100),
        step,
        `service ${name}: ${message ?? ''}`,
      ),
  };
  await followService(scoped, client, service.ID, {
    step: 'updating',
    awaiting: `service ${name} to use the new secret`,
    timeoutMs: UPDATE_TIMEOUT_MS,
    judge: updateJudge(),
  });
}

/** Step 2: every service using the old secret, moved to the new one and followed to the end of its update. */
async function moveServices(
  ctx: JobContext<'secret.rotate'>,
  client: SwarmClient,
  oldId: string,
  to: { id: string; name: string },
): Promise<void> {
  // Updates sent before a crash: followed to their end first.
  const pending = servicesUsingSecret(await listServices(client), to.id).filter(
    (service) => service.UpdateStatus?.State === 'updating',
  );
  for (const service of pending) await follow(ctx, client, service, { from: 10, to: 10 });

  for (let round = 1; ; round += 1) {
    const users = servicesUsingSecret(await listServices(client), oldId);
    if (users.length === 0) return;
    if (round > MAX_ROUNDS) {
      throw conflict(
        `services keep being given the old secret while it is rotated (${users.map((s) => s.Spec.Name).join(', ')}); ` +
          'run the rotation again once they are settled',
      );
    }
    for (const [index, service] of users.entries()) {
      const share = { from: 10 + (80 * index) / users.length, to: 10 + (80 * (index + 1)) / users.length };
      await ctx.progress(
        Math.floor(share.from),
        'updating',
        `moving service ${service.Spec.Name} to secret ${to.name}`,
      );
      const { changed, object } = await updateServiceSpec(client, service.ID, (current) =>
        movedSpec(current, oldId, to),
      );
      if (changed) await follow(ctx, client, object, share);
    }
  }
}

export async function secretRotateProcessor(
  ctx: JobContext<'secret.rotate'>,
): Promise<JobOutcomeOf<'secret.rotate'>> {
  const client = requireClient(ctx);
  const oldId = targetField(ctx, 'secretId');
  const oldName = targetField(ctx, 'secretName') ?? oldId ?? '';
  const newName = targetField(ctx, 'newSecretName');
  if (!oldId || !newName) throw new Error('secret.rotate has no secret or new name in its target');

  const old = await findSecret(client, oldId);
  const fresh = await newSecretOf(ctx, client, old, oldId, newName);
  await ctx.learnTarget({ newSecretId: fresh.id });

  await moveServices(ctx, client, oldId, { id: fresh.id, name: newName });

  let oldRemoved = false;
  if (await findSecret(client, oldId)) {
    await ctx.progress(90, 'removing', `removing secret ${oldName}`);
    const users = servicesUsingSecret(await listServices(client), oldId);
    if (users.length > 0) throw inUseConflict('secret', oldName, users);
    try {
      await removeSecret(client, oldId);
      oldRemoved = true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const services = servicesUsingSecret(await listServices(client), fresh.id)
    .map((service) => service.Spec.Name)
    .sort();
  await ctx.progress(100, 'done', `secret ${oldName} rotated to ${newName}`);
  return {
    target: { newSecretId: fresh.id },
    result: {
      oldSecretId: oldId,
      oldSecretName: oldName,
      newSecretId: fresh.id,
      newSecretName: newName,
      services,
      oldRemoved,
    },
  };
}
