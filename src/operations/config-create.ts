// configCreate: checks the config (name, labels, data within Docker's 1000 KiB) and queues config.create
// (operator). The data is never shown: parameters and the audit keep its size and SHA-256.
import {
  configCreateJobInput,
  JOB_LABEL,
  nameTakenByOther,
  type CreateConfigInput,
} from '../domain/swarm-objects.ts';
import { swarmConfigs } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const configCreate = swarmObjectOperation('config.create', configCreateJobInput, {
  precheck: async (jobInput, swarm, reads, input: CreateConfigInput) => {
    const existing = (await swarmConfigs(reads, swarm)).find((config) => config.Spec.Name === jobInput.name);
    if (existing && !(input.idempotencyKey && existing.Spec.Labels?.[JOB_LABEL])) {
      throw nameTakenByOther('config', jobInput.name);
    }
    return { configName: jobInput.name };
  },
});
