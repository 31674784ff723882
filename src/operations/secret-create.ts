// secretCreate: checks the secret (name, labels, value within Docker's 500 KiB) and queues secret.create
// (operator). The value goes on sealed in the job's input only; parameters and the audit keep its size and SHA-256.
import {
  JOB_LABEL,
  nameTakenByOther,
  secretCreateJobInput,
  type CreateSecretInput,
} from '../domain/swarm-objects.ts';
import { swarmSecrets } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const secretCreate = swarmObjectOperation('secret.create', secretCreateJobInput, {
  precheck: async (jobInput, swarm, reads, input: CreateSecretInput) => {
    const existing = (await swarmSecrets(reads, swarm)).find((secret) => secret.Spec.Name === jobInput.name);
    // As for networks: an idempotent replay of the job that made it is decided by its key.
    if (existing && !(input.idempotencyKey && existing.Spec.Labels?.[JOB_LABEL])) {
      throw nameTakenByOther('secret', jobInput.name);
    }
    return { secretName: jobInput.name };
  },
});
