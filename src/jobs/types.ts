// A job: one operation on a swarm, queued, run by a worker, observable through its state and progress.
import type { AuditTarget } from '../audit/types.ts';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

export interface JobProgress {
  percent: number;
  step: string | null;
  message: string | null;
}

export interface JobRecord {
  id: string;
  tenant: string;
  /** The operation, as the audit names it (node.drain, service.update...). */
  type: string;
  state: JobState;
  swarmId: string | null;
  swarmName: string | null;
  target: AuditTarget;
  /** The input with secrets removed. */
  parameters: Record<string, unknown>;
  reason: string | null;
  forced: boolean;
  operationId: string;
  requestedBy: { sub: string; actors: string[]; roles: string[]; source: string };
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  idempotencyKey: string | null;
  progress: JobProgress;
  result: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** The GraphQL code generation maps Job by this name. */
export type JobRecordModel = JobRecord;
