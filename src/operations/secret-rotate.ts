// secretRotate: queues secret.rotate (operator), one job that creates the new secret, moves every service using the
// old one to it (same target file, uid, gid and mode) and removes the old one. The new name, when not given, is
// derived from the old one (nextSecretName: `db-v2` → `db-v3`, `db` → `db-v2`); it must be free, unless a
// gateway job made it (a replay with the same idempotency key).
import {
  JOB_LABEL,
  nameTakenByOther,
  nextSecretName,
  secretRotateJobInput,
  type RotateSecretInput,
} from '../domain/swarm-objects.ts';
import { findSwarmSecret, swarmSecrets } from '../queries/swarm-objects.ts';
import { swarmObjectOperation } from './swarm-object-job.ts';

export const secretRotate = swarmObjectOperation('secret.rotate', secretRotateJobInput, {
  // Not quick: the services' rolling updates take as long as they take.
  quick: false,
  precheck: async (jobInput, swarm, reads, input: RotateSecretInput) => {
    const secret = await findSwarmSecret(reads, swarm, jobInput.ref);
    const newName = jobInput.newName ?? nextSecretName(secret.Spec.Name);
    const target = { secretId: secret.ID, secretName: secret.Spec.Name, newSecretName: newName };
    const taken = (await swarmSecrets(reads, swarm)).find((other) => other.Spec.Name === newName);
    if (taken && !(input.idempotencyKey && taken.Spec.Labels?.[JOB_LABEL])) {
      throw nameTakenByOther('secret', newName);
    }
    return target;
  },
});
