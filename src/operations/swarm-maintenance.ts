// startMaintenance, continueMaintenance, resumeMaintenance: a rolling maintenance of a swarm's nodes as one job
// (swarm.maintenance, src/jobs/processors/swarm-maintenance.ts), and the two signals sent to it. The signals are
// stored (jobs/maintenance-store.ts) and read by the job wherever it runs; each is an audited operation of its own.
import { requireRole } from '../auth/authorize.ts';
import type { OperationContext } from '../audit/types.ts';
import { hostnameOf } from '../docker/reads.ts';
import type { DockerNode } from '../docker/types.ts';
import {
  checkMaintenanceSettings,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  orderMaintenance,
  selectNodes,
  type MaintenanceJobInput,
  type MinAvailable,
} from '../domain/maintenance.ts';
import { badInput, conflict, notFound } from '../errors.ts';
import { createMaintenanceStore } from '../jobs/maintenance-store.ts';
import { TERMINAL_STATES, type JobRecord } from '../jobs/types.ts';
import { resolveRef, tenantScope } from '../queries/swarm-reads.ts';
import type { OperationDeps } from './deps.ts';
import { runOperation } from './pipeline.ts';
import { requestJob, type JobRequest } from './start-job.ts';

export interface SwarmMaintenanceStartInput extends JobRequest {
  /** Nodes by ID, unique ID prefix or hostname; or `role`; or `label` ("key=value" or "key"): exactly one. */
  nodes?: readonly string[] | null;
  role?: 'WORKER' | 'MANAGER' | null;
  label?: string | null;
  /** Workers drained together (default 1); managers always one at a time. */
  batchSize?: number | null;
  /** Seconds a drained node stays out; or waitForSignal: true (continueMaintenance per node). */
  pauseSeconds?: number | null;
  waitForSignal?: boolean | null;
  /** Floors per service (name or ID); default desired − 1, never below 0. */
  minAvailable?: readonly MinAvailable[] | null;
  /** Services force-updated (`docker service update --force`) after each batch is back. */
  rebalance?: readonly string[] | null;
  /** Bound of each wait (tasks moved elsewhere, node Ready, rebalance), default 600. */
  timeoutSeconds?: number | null;
}

/** The nodes the caller chose, in maintenance order (workers first, then managers). */
function planOf(
  nodes: readonly DockerNode[],
  input: SwarmMaintenanceStartInput,
): MaintenanceJobInput['nodes'] {
  const ways = [input.nodes, input.role, input.label].filter(
    (way) => way !== null && way !== undefined,
  ).length;
  if (ways !== 1) throw badInput('choose the nodes by exactly one of nodes, role or label');
  let chosen: DockerNode[];
  if (input.nodes) {
    if (input.nodes.length === 0) throw badInput('nodes must name at least one node');
    chosen = input.nodes.map((ref) =>
      resolveRef(
        nodes,
        ref,
        (node) => node.ID,
        (node) => hostnameOf(node, ''),
        'node',
      ),
    );
    if (new Set(chosen.map((node) => node.ID)).size !== chosen.length) {
      throw badInput('nodes names the same node twice');
    }
  } else {
    if (input.role && input.role !== 'WORKER' && input.role !== 'MANAGER') {
      throw badInput('role must be WORKER or MANAGER');
    }
    chosen = selectNodes(nodes, {
      role: input.role ? (input.role === 'MANAGER' ? 'manager' : 'worker') : null,
      label: input.label ?? null,
    });
    if (chosen.length === 0) throw badInput(`${input.role ? 'role' : 'label'} selects no node of the swarm`);
  }
  return orderMaintenance(chosen, Boolean(input.nodes));
}

export function swarmMaintenanceStart(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmMaintenanceStartInput,
): Promise<JobRecord> {
  const waitForSignal = input.waitForSignal ?? false;
  // The plan is filled in by the precheck, from a live node list; the job records it once and keeps it.
  const jobInput: MaintenanceJobInput = {
    nodes: [],
    batchSize: input.batchSize ?? 1,
    pauseSeconds: input.pauseSeconds ?? (waitForSignal ? null : 0),
    waitForSignal,
    minAvailable: (input.minAvailable ?? []).map(({ service, replicas }) => ({ service, replicas })),
    rebalance: [...(input.rebalance ?? [])],
    timeoutSeconds: input.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS,
  };
  return requestJob(deps, ctx, input, {
    action: 'swarm.maintenance',
    input: jobInput,
    // Draining a manager is operator today (setNodeAvailability); maintenance drains, so it is operator too.
    role: 'operator',
    precheck: async (swarm, reads) => {
      checkMaintenanceSettings(jobInput);
      const fresh = reads.fresh();
      jobInput.nodes.push(...planOf(await fresh.nodes(swarm), input));
      // Services named must exist now (NOT_FOUND names the reference); the job resolves them again when it runs.
      for (const service of [...jobInput.rebalance, ...jobInput.minAvailable.map((floor) => floor.service)]) {
        await fresh.service(swarm, service);
      }
      // Every event of the maintenance names its nodes, in order.
      return { nodeNames: jobInput.nodes.map((node) => node.hostname) };
    },
  });
}

/** The maintenance job, in the caller's tenant (another tenant's is NOT_FOUND), for a signal. */
async function maintenanceJobOf(deps: OperationDeps, ctx: OperationContext, id: string): Promise<JobRecord> {
  const job = await deps.jobs.repository.get(id);
  const scope = tenantScope(ctx.principal);
  if (!job || (scope !== null && job.tenant !== scope)) throw notFound('job', id);
  return job;
}

function requireRunningMaintenance(job: JobRecord): void {
  if (job.type !== 'swarm.maintenance')
    throw badInput(`job ${job.id} is not a maintenance (swarm.maintenance)`);
  if (TERMINAL_STATES.has(job.state)) throw conflict(`maintenance job ${job.id} has ended (${job.state})`);
}

/** A signal to a maintenance job: audited as its own operation, naming the job and its swarm. */
function signalMaintenance(
  deps: OperationDeps,
  ctx: OperationContext,
  spec: {
    action: string;
    id: string;
    parameters: Record<string, unknown>;
    reason?: string | null | undefined;
    send: (job: JobRecord) => Promise<Record<string, unknown>>;
  },
): Promise<JobRecord> {
  let job: JobRecord;
  let sent: Record<string, unknown> = {};
  return runOperation(deps, ctx, {
    action: spec.action,
    parameters: spec.parameters,
    reason: spec.reason,
    locate: async () => {
      job = await maintenanceJobOf(deps, ctx, spec.id);
      return {
        tenant: job.tenant,
        target: { swarmId: job.swarmId, swarmName: job.swarmName, jobId: job.id },
      };
    },
    execute: async ({ addTarget }) => {
      requireRole(ctx.principal, 'operator', spec.action);
      requireRunningMaintenance(job);
      sent = await spec.send(job);
      addTarget(sent);
      return (await deps.jobs.repository.get(job.id)) ?? job;
    },
    summarize: (current) => ({ jobId: current.id, result: sent }),
  });
}

export interface MaintenanceContinueInput {
  /** The maintenance job's id. */
  job: string;
  /** The node whose patch is done: ID, unique ID prefix or hostname, among the job's nodes. */
  node: string;
  reason?: string | null;
}

/** continueMaintenance: the node's patch is done; the job sets it active when it reads the signal. */
export function swarmMaintenanceContinue(
  deps: OperationDeps,
  ctx: OperationContext,
  input: MaintenanceContinueInput,
): Promise<JobRecord> {
  return signalMaintenance(deps, ctx, {
    action: 'swarm.maintenance.continue',
    id: input.job,
    parameters: { job: input.job, node: input.node },
    reason: input.reason,
    send: async (job) => {
      const store = createMaintenanceStore(deps.pool);
      const nodes = await store.nodes(job.id);
      const node = resolveRef(
        nodes,
        input.node,
        (one) => one.nodeId,
        (one) => one.hostname,
        'node',
      );
      const signalled = await store.signalContinue(job.id, node.nodeId);
      if (!signalled) throw notFound('node', input.node);
      if (signalled.state === 'pending') {
        throw conflict(`node ${node.hostname} is not drained yet: send continueMaintenance once it is`);
      }
      if (signalled.state === 'done' || signalled.state === 'failed' || signalled.state === 'activating') {
        throw conflict(`node ${node.hostname} is past its wait already (${signalled.state})`);
      }
      return { nodeId: node.nodeId, nodeName: node.hostname };
    },
  });
}

export interface MaintenanceResumeInput {
  job: string;
  reason?: string | null;
}

/** resumeMaintenance: a maintenance paused on a failed step retries that step and goes on. */
export function swarmMaintenanceResume(
  deps: OperationDeps,
  ctx: OperationContext,
  input: MaintenanceResumeInput,
): Promise<JobRecord> {
  return signalMaintenance(deps, ctx, {
    action: 'swarm.maintenance.resume',
    id: input.job,
    parameters: { job: input.job },
    reason: input.reason,
    send: async (job) => {
      if (!(await createMaintenanceStore(deps.pool).signalResume(job.id))) {
        throw conflict(`maintenance job ${job.id} is not paused: nothing to resume`);
      }
      return {};
    },
  });
}
