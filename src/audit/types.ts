// The audit event: what was asked, by whom (and which bot on whose behalf), why, on what, and what happened.
import type { Principal } from '../auth/principal.ts';

export type AuditPhase = 'requested' | 'succeeded' | 'failed' | 'refused';
/** `schedule`: a change the gateway's own schedule made (scheduled join-token rotation). */
export type AuditSource = 'graphql' | 'rest' | 'worker' | 'cli' | 'schedule';

export interface AuditTarget {
  swarmId?: string | null;
  swarmName?: string | null;
  nodeId?: string | null;
  nodeName?: string | null;
  serviceId?: string | null;
  serviceName?: string | null;
  /** Anything else that names the target (a role, a tenant...). */
  [detail: string]: unknown;
}

export interface AuditActor {
  sub: string;
  /** RFC 8693 actor chain, nearest first. */
  actors: readonly string[];
  roles: readonly string[];
  source: AuditSource;
  clientAddress?: string | null | undefined;
  userAgent?: string | null | undefined;
  requestId?: string | null | undefined;
}

export interface NewAuditEvent {
  tenant: string;
  operationId: string;
  phase: AuditPhase;
  action: string;
  actor: AuditActor;
  target: AuditTarget;
  /** Already redacted by the caller or not: the store redacts again before writing. */
  parameters: Record<string, unknown>;
  reason?: string | null | undefined;
  forced?: boolean | undefined;
  errorCode?: string | null | undefined;
  errorMessage?: string | null | undefined;
  jobId?: string | null | undefined;
  result?: unknown;
}

export interface AuditEvent {
  id: string;
  /** Global write order, as a decimal string (bigint). */
  seq: string;
  tenant: string;
  tenantSeq: number;
  occurredAt: string;
  operationId: string;
  phase: AuditPhase;
  action: string;
  principalSub: string;
  actors: string[];
  roles: string[];
  source: AuditSource;
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  target: AuditTarget;
  parameters: Record<string, unknown>;
  reason: string | null;
  forced: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  jobId: string | null;
  result: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  /** Matches the principal or any actor of the chain. */
  actor?: string | null | undefined;
  /** Exact action, or a prefix ending in "." or "*" (`node.` or `node.*`). */
  action?: string | null | undefined;
  /** Swarm id or name. */
  swarm?: string | null | undefined;
  node?: string | null | undefined;
  service?: string | null | undefined;
  outcome?: AuditPhase | null | undefined;
  operationId?: string | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}

/** Who asks, through which door: built once per request by GraphQL or REST. */
export interface OperationContext {
  principal: Principal;
  source: AuditSource;
  clientAddress?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

/** The fields of a target that say something: a value learned later never blanks one known already. */
export function knownFields(target: AuditTarget | undefined): AuditTarget {
  return Object.fromEntries(
    Object.entries(target ?? {}).filter(([, value]) => value !== null && value !== undefined),
  );
}
