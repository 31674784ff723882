// The proof an engine gives that it is a node of a registered swarm, shared by the leave request and its job.
import { membershipOf } from '../docker/engine-proof.ts';
import type { DockerInfo } from '../docker/types.ts';
import { badInput } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';

/**
 * Refuses an engine that is not a node of the swarm by its own `docker info` (membershipOf): a node of another cluster,
 * registered anywhere or not, is refused with the same words, naming nothing of what the engine said.
 */
export function proveEngine(info: DockerInfo, swarm: SwarmRecord, url: string): void {
  const membership = membershipOf(info, swarm);
  if (membership === 'member') return;
  if (membership === 'unverifiable') {
    throw badInput(
      `swarm "${swarm.name}" was registered before the gateway recorded its managers, so the engine at ${url} ` +
        'cannot prove it is one of its nodes: update the swarm with its manager endpoints (updateSwarm) once, then retry',
    );
  }
  throw badInput(
    `the engine at ${url} is not a node of swarm "${swarm.name}" (by its own account of its swarm): give the ` +
      "endpoint of the node's own engine",
  );
}
