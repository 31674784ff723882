// Reading a swarm's join tokens (admin) is audited like a change: whoever holds them can join nodes.
import { joinTokens, type JoinTokensView } from '../queries/swarm-queries.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { runOperation } from './pipeline.ts';

export function swarmJoinTokens(
  deps: OperationDeps,
  ctx: OperationContext,
  reads: SwarmReads,
  swarm: SwarmRecord,
): Promise<JoinTokensView> {
  return runOperation(deps, ctx, {
    action: 'swarm.joinTokens.read',
    parameters: { swarm: swarm.name },
    locate: () =>
      Promise.resolve({ tenant: swarm.tenant, target: { swarmId: swarm.id, swarmName: swarm.name } }),
    // The tokens themselves are never recorded: the outcome says only that they were read.
    execute: () => joinTokens(reads, swarm),
  });
}
