// config.create: creates the config unless this job made it already (its label says so); a config of that name
// made by anyone else is CONFLICT.
import { createConfig } from '../../docker/writes.ts';
import { createdByJob, nameTakenByOther } from '../../domain/swarm-objects.ts';
import { isGatewayError } from '../../errors.ts';
import { requireClient, type JobContext, type JobOutcomeOf } from '../processor.ts';
import { findConfigByName, labelledByJob } from './swarm-object-target.ts';

export async function configCreateProcessor(
  ctx: JobContext<'config.create'>,
): Promise<JobOutcomeOf<'config.create'>> {
  const client = requireClient(ctx);
  const { name, labels, configData } = ctx.input;
  const own = (configLabels: Record<string, string> | undefined, configId: string) => {
    if (!createdByJob(configLabels, ctx.job.id)) throw nameTakenByOther('config', name);
    return configId;
  };

  let created = false;
  let id: string;
  const existing = await findConfigByName(client, name);
  if (existing) {
    id = own(existing.Spec.Labels, existing.ID);
  } else {
    await ctx.progress(0, 'creating', `creating config ${name}`);
    try {
      id = await createConfig(client, { Name: name, Labels: labelledByJob(ctx, labels), Data: configData });
      created = true;
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'CONFLICT') throw error;
      const now = await findConfigByName(client, name);
      if (!now) throw error;
      id = own(now.Spec.Labels, now.ID);
    }
  }
  await ctx.learnTarget({ configId: id, configName: name });
  await ctx.progress(
    100,
    'creating',
    created ? 'created' : 'the config was there already (made by this job)',
  );
  return { target: { configId: id, configName: name }, result: { id, name, created } };
}
