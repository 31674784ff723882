// The per-request GraphQL context: who is calling, the request's memoised swarm reads, and what operations need.
import type { Principal } from '../auth/principal.ts';
import type { OperationDeps } from '../operations/deps.ts';
import type { OperationContext } from '../audit/types.ts';
import type { ReadRecorder } from '../queries/answer-cache.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';

export interface GraphqlContext {
  principal: Principal;
  reads: SwarmReads;
  deps: OperationDeps;
  operation: OperationContext;
  /** Told what the reads were served from when the answer may be kept (see graphql/answers.ts); null otherwise. */
  recorder: ReadRecorder | null;
}
