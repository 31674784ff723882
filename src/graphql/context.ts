// The per-request GraphQL context: who is calling, the request's memoised swarm reads, and what operations need.
import type { Principal } from '../auth/principal.ts';
import type { OperationDeps } from '../operations/deps.ts';
import type { OperationContext } from '../operations/pipeline.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';

export interface GraphqlContext {
  principal: Principal;
  reads: SwarmReads;
  deps: OperationDeps;
  operation: OperationContext;
}
