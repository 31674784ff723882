// Processor of swarm.joinToken.rotate: asks a manager to replace the worker or manager join token, exactly once.
import { createHash } from 'node:crypto';
import { inspectSwarm } from '../../docker/reads.ts';
import type { DockerSwarm } from '../../docker/types.ts';
import { updateSwarmSpec } from '../../docker/writes.ts';
import { GatewayError } from '../../errors.ts';
import type { JoinRole } from '../types.ts';
import { requireClient, type Processor } from '../processor.ts';

const STEP = 'rotate';

/**
 * A short, one-way name of a token, so that a resumed job can tell whether its rotation already happened
 * without any row holding the token (48 bits of a SHA-256 say nothing about a token's secret part).
 */
const fingerprintOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

const tokenOf = (swarm: DockerSwarm, role: JoinRole) =>
  (role === 'manager' ? swarm.JoinTokens?.Manager : swarm.JoinTokens?.Worker) ?? '';

const FINGERPRINT = /fingerprint ([0-9a-f]{12})/;

export const swarmRotateJoinTokenProcessor: Processor<'swarm.joinToken.rotate'> = async (context) => {
  const client = requireClient(context);
  const { role } = context.input;
  const before = fingerprintOf(tokenOf(await inspectSwarm(client), role));
  // A run that crashed after recording the fingerprint and after Docker rotated finds another token now.
  const previous =
    context.job.progress.step === STEP ? FINGERPRINT.exec(context.job.progress.message ?? '') : null;
  if (previous && previous[1] !== before) {
    return { result: { role, rotated: true, resumed: true } };
  }
  await context.progress(
    30,
    STEP,
    `rotating the ${role} join token (the current one's fingerprint ${before})`,
  );
  await updateSwarmSpec(client, (swarm) => ({
    spec: swarm.Spec,
    ...(role === 'manager' ? { rotateManagerToken: true } : { rotateWorkerToken: true }),
  }));
  const after = fingerprintOf(tokenOf(await inspectSwarm(client), role));
  if (after === before) {
    throw new GatewayError(
      'INTERNAL',
      `the swarm accepted the rotation but still has the same ${role} token`,
    );
  }
  return { result: { role, rotated: true } };
};
