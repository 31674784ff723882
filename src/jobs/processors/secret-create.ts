// secret.create: creates the secret unless this job made it already (its label says so); a secret of that name
// made by anyone else is CONFLICT. The value is in the sealed input only: never in progress, result or errors.
import { createSecret } from '../../docker/writes.ts';
import { createdByJob, nameTakenByOther } from '../../domain/swarm-objects.ts';
import { isGatewayError } from '../../errors.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { findSecretByName, labelledByJob } from './swarm-object-target.ts';

export async function secretCreateProcessor(
  ctx: JobContext<'secret.create'>,
): Promise<JobOutcomeOf<'secret.create'>> {
  const client = requireClient(ctx);
  const { name, labels, secretData } = ctx.input;
  const own = (secretLabels: Record<string, string> | undefined, secretId: string) => {
    if (!createdByJob(secretLabels, ctx.job.id)) throw nameTakenByOther('secret', name);
    return secretId;
  };

  let created = false;
  let id: string;
  const existing = await findSecretByName(client, name);
  if (existing) {
    id = own(existing.Spec.Labels, existing.ID);
  } else {
    await ctx.progress(0, 'creating', `creating secret ${name}`);
    try {
      id = await createSecret(client, { Name: name, Labels: labelledByJob(ctx, labels), Data: secretData });
      created = true;
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
      const now = await findSecretByName(client, name);
      if (!now) throw error;
      id = own(now.Spec.Labels, now.ID);
    }
  }
  await ctx.learnTarget({ secretId: id, secretName: name });
  await ctx.progress(
    100,
    'creating',
    created ? 'created' : 'the secret was there already (made by this job)',
  );
  return { target: { secretId: id, secretName: name }, result: { id, name, created } };
}
