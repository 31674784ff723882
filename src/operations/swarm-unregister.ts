// unregisterSwarm: forget a swarm's registration; the swarm itself is not touched.
import { requireRole } from '../auth/authorize.ts';
import { notFound } from '../errors.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';
import { swarmLocator } from '../domain/swarm-registration.ts';

export function swarmUnregister(
  deps: OperationDeps,
  ctx: OperationContext,
  input: { swarm: string; reason?: string | null },
): Promise<SwarmRecord> {
  let swarm: SwarmRecord;
  return runOperation(deps, ctx, {
    action: 'swarm.unregister',
    parameters: { swarm: input.swarm },
    reason: input.reason,
    locate: swarmLocator(deps, ctx.principal, input.swarm, (found) => (swarm = found)),
    execute: async () => {
      requireRole(ctx.principal, 'admin', 'unregister a swarm');
      if (!(await deps.registry.deleteSwarm(swarm.id))) throw notFound('swarm', input.swarm);
      deps.swarmClients.forget(swarm.id);
      // Its join-token rotation row went with it (ON DELETE CASCADE); its scheduler goes too. A Redis that refuses now
      // leaves one that removes itself at its next wake-up (it finds no swarm).
      await deps.joinTokenSchedule?.scheduler.unschedule(swarm.id).catch((error: unknown) => {
        deps.log.warn({ err: error, swarmId: swarm.id }, 'join-token rotation scheduler not removed');
      });
      return swarm;
    },
  });
}
