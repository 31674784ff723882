// The one path every mutation takes: locate the target → audit `requested` → check and perform → audit the outcome.
// If `requested` cannot be written, nothing happens (AUDIT_UNAVAILABLE).
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditStore } from '../audit/store.ts';
import {
  knownFields,
  type AuditPhase,
  type AuditTarget,
  type NewAuditEvent,
  type OperationContext,
} from '../audit/types.ts';
import { badInput, GatewayError, outcomeOf } from '../errors.ts';

export interface PipelineDeps {
  audit: AuditStore;
  log: FastifyBaseLogger;
}

export interface OperationSpec<R> {
  /** `swarm.register`, `node.drain`, `swarm.joinToken.rotate`... */
  action: string;
  /** The caller's input as given (secrets are removed before it is written). */
  parameters: Record<string, unknown>;
  reason?: string | null | undefined;
  /** Demote, node removal, token rotation and manager joins must say why. */
  reasonRequired?: boolean;
  forced?: boolean;
  /**
   * Reads that find what the operation is about and whose tenant's log gets the events. A failure here
   * (NOT_FOUND, another tenant's object) is audited as refused in the caller's own tenant.
   */
  locate: () => Promise<{ tenant: string; target: AuditTarget }>;
  /**
   * Authorization, state checks and the change itself; runs only after `requested` was written. `addTarget`
   * records what it learned about the target (a node resolved from the swarm): the outcome event names it, a
   * refusal included.
   */
  execute: (operation: { operationId: string; addTarget: (more: AuditTarget) => void }) => Promise<R>;
  /**
   * What the outcome event records about the result (new ids, a job id, a summary). `deferred`: the change
   * runs as a job whose worker writes the outcome when it ends.
   */
  summarize?: (result: R) => {
    target?: AuditTarget;
    result?: unknown;
    jobId?: string | null;
    deferred?: boolean;
  };
}

const OUTCOME_ATTEMPTS = 3;
const MAX_REASON = 1000;

export async function runOperation<R>(
  deps: PipelineDeps,
  ctx: OperationContext,
  spec: OperationSpec<R>,
): Promise<R> {
  const operationId = randomUUID();
  const reason = spec.reason?.trim() || null;
  let tenant = ctx.principal.tenant;
  let target: AuditTarget = {};
  let located: Error | null = null;
  try {
    ({ tenant, target } = await spec.locate());
  } catch (error) {
    located = error instanceof Error ? error : new Error(String(error));
  }
  const base = (phase: AuditPhase): NewAuditEvent => ({
    tenant,
    operationId,
    phase,
    action: spec.action,
    actor: {
      sub: ctx.principal.sub,
      actors: ctx.principal.actors,
      roles: ctx.principal.roles,
      source: ctx.source,
      clientAddress: ctx.clientAddress,
      userAgent: ctx.userAgent,
      requestId: ctx.requestId,
    },
    target,
    parameters: spec.parameters,
    reason,
    forced: spec.forced ?? false,
  });

  try {
    await deps.audit.append(base('requested'));
  } catch (error) {
    deps.log.error(
      { err: error, action: spec.action, operationId },
      'audit log unavailable: operation not performed',
    );
    throw new GatewayError(
      'AUDIT_UNAVAILABLE',
      `the audit log cannot be written, so "${spec.action}" was not performed; retry when the database is back`,
    );
  }

  let result: R;
  try {
    if (located) throw located;
    if (reason && reason.length > MAX_REASON)
      throw badInput(`reason must be at most ${MAX_REASON} characters`);
    if (spec.reasonRequired && !reason)
      throw badInput(`"${spec.action}" needs a reason: say why in "reason"`);
    result = await spec.execute({
      operationId,
      addTarget: (more) => {
        target = { ...target, ...knownFields(more) };
      },
    });
  } catch (error) {
    const outcome = outcomeOf(error);
    await appendOutcome(deps, {
      ...base(outcome.phase),
      errorCode: outcome.code,
      errorMessage: outcome.message,
    });
    throw error;
  }
  const summary = spec.summarize?.(result) ?? {};
  if (summary.deferred) return result;
  await appendOutcome(deps, {
    ...base('succeeded'),
    target: { ...target, ...summary.target },
    result: summary.result,
    jobId: summary.jobId ?? null,
  });
  return result;
}

/**
 * The change has happened (or was refused) by now; a failing outcome write is retried, then logged loudly:
 * the `requested` event already records the attempt.
 */
async function appendOutcome(deps: PipelineDeps, event: NewAuditEvent): Promise<void> {
  for (let attempt = 1; attempt <= OUTCOME_ATTEMPTS; attempt += 1) {
    try {
      await deps.audit.append(event);
      return;
    } catch (error) {
      if (attempt === OUTCOME_ATTEMPTS) {
        deps.log.error(
          { err: error, action: event.action, operationId: event.operationId, phase: event.phase },
          'audit outcome could not be written',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
