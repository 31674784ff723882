// swarm.maintenance: a rolling maintenance as one job. Batch by batch (workers first, then managers one at a time):
// keep every replicated service at its floor, drain, wait until the tasks moved, wait for the signal or the pause,
// set active, wait until Ready (and Reachable), rebalance the named services. Each step is recorded per node
// (jobs/maintenance-store.ts) before it is taken, so a job run again after a crash goes on from there: a node done
// is not touched again, the node in progress is continued from what Docker shows (never drained twice).
// A failed step pauses the job (still RUNNING, progress step `paused`, the reason in the message) until
// resumeMaintenance or cancelJob; a cancel sets the nodes this job drained back to active before the job ends.
import { randomUUID } from 'node:crypto';
import {
  findService,
  hostnameOf,
  inspectService,
  listNodeTasks,
  listNodes,
  listServices,
  listTasks,
} from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerNode } from '../../docker/types.ts';
import { updateNodeSpec, updateServiceSpec } from '../../docker/writes.ts';
import {
  batchesOf,
  belowFloor,
  describeFloor,
  floorChecks,
  MAX_PAUSED_SECONDS,
  type MaintenanceJobInput,
} from '../../domain/maintenance.ts';
import { runningTasks, withAvailability } from '../../domain/node-availability.ts';
import { checkManagerLoss, currentQuorum } from '../../domain/quorum-guard.ts';
import { GatewayError, jobTimeout, outcomeOf } from '../../errors.ts';
import {
  createMaintenanceStore,
  isNodeStepOver,
  type MaintenanceNode,
  type MaintenanceNodeState,
  type MaintenanceStore,
} from '../maintenance-store.ts';
import { JobCancelledError, requireClient, type JobContext, type Processor } from '../processor.ts';
import { waitForNode } from './node-target.ts';
import { followService } from './service-progress.ts';
import { audited, auditStep, type StepAudit } from './maintenance-audit.ts';

const POLL_MS = 1000;

/** What every step of one run needs. */
interface Run {
  context: JobContext<'swarm.maintenance'>;
  client: SwarmClient;
  store: MaintenanceStore;
  input: MaintenanceJobInput;
  jobId: string;
  swarmName: string;
  /** The long steps (drain, activation, rebalance) this run requested and has not ended: a pause fails them. */
  open: Map<string, StepAudit>;
}

const nodeStep = (step: 'node.drain' | 'node.activate', node: MaintenanceNode): StepAudit => ({
  step,
  key: node.nodeId,
  target: { nodeId: node.nodeId, nodeName: node.hostname },
});

/** `requested` for a long step; its outcome comes when it ends (endStep), or when the job pauses or is cancelled. */
async function openStep(run: Run, audit: StepAudit): Promise<void> {
  await auditStep(run.context, audit, 'requested');
  run.open.set(`${audit.step}:${audit.key}`, audit);
}

/** `succeeded` for a long step, also one requested by a run before a crash (the same operation id). */
async function endStep(run: Run, audit: StepAudit): Promise<void> {
  await auditStep(run.context, audit, 'succeeded');
  run.open.delete(`${audit.step}:${audit.key}`);
}

/** `failed` for every long step still open (a pause, a cancel). */
async function failOpenSteps(run: Run, errorCode: string, errorMessage: string): Promise<void> {
  for (const audit of run.open.values())
    await auditStep(run.context, audit, 'failed', { errorCode, errorMessage });
  run.open.clear();
}

/** The order of a node's states: a step is taken only by a node that has not gone past it. */
const ORDER: readonly MaintenanceNodeState[] = [
  'pending',
  'draining',
  'drained',
  'waiting-signal',
  'activating',
  'done',
];
const before = (node: MaintenanceNode, state: MaintenanceNodeState) =>
  ORDER.indexOf(node.state) < ORDER.indexOf(state);

export const swarmMaintenanceProcessor: Processor<'swarm.maintenance'> = async (context) => {
  const run: Run = {
    context,
    client: requireClient(context),
    store: createMaintenanceStore(context.deps.pool),
    input: context.input,
    jobId: context.job.id,
    swarmName: context.swarm?.name ?? '',
    open: new Map(),
  };
  // The plan is recorded once; a job run again keeps it and the states its first run reached.
  let nodes = await run.store.plan(run.jobId, run.input.nodes);
  try {
    for (;;) {
      await waitWhilePaused(run);
      const left = nodes.filter((node) => !isNodeStepOver(node));
      const batch = batchesOf(left, run.input.batchSize)[0];
      if (!batch) break;
      try {
        await maintainBatch(run, batch);
      } catch (error) {
        if (error instanceof JobCancelledError || context.signal.aborted) throw error;
        await pauseOn(run, batch, error);
      }
      nodes = await run.store.nodes(run.jobId);
    }
  } catch (error) {
    if (error instanceof JobCancelledError || context.signal.aborted) await undoOnCancel(run);
    throw error;
  }
  nodes = await run.store.nodes(run.jobId);
  await report(run, 'done');
  return {
    result: {
      nodes: nodes.map((node) => ({
        node: node.nodeId,
        hostname: node.hostname,
        role: node.role,
        state: node.state,
        startedAt: node.startedAt,
        endedAt: node.endedAt,
      })),
    },
  };
};

/** Progress: the share of nodes done, and every node's state (what "progress per node" shows in both doors). */
async function report(run: Run, step: string, note?: string): Promise<void> {
  const nodes = await run.store.nodes(run.jobId);
  const done = nodes.filter((node) => node.state === 'done').length;
  const states = nodes.map((node) => `${node.hostname} ${node.state}`).join(', ');
  await run.context.progress(
    nodes.length === 0 ? 100 : (100 * done) / nodes.length,
    step,
    note ? `${note}; ${states}` : states,
  );
}

async function setState(
  run: Run,
  nodes: readonly MaintenanceNode[],
  state: MaintenanceNodeState,
  note?: string,
) {
  for (const node of nodes) await run.store.setState(run.jobId, node.nodeId, state, note ?? null);
  await report(run, state, note);
}

/** The batch through every step it has not taken yet (read again from the store: a resumed batch skips what it did). */
async function maintainBatch(run: Run, batch: readonly MaintenanceNode[]): Promise<void> {
  const fresh = async () => {
    const all = await run.store.nodes(run.jobId);
    return batch.map((node) => all.find((candidate) => candidate.nodeId === node.nodeId) ?? node);
  };
  let nodes = await fresh();
  if (nodes.some((node) => before(node, 'drained'))) {
    await drainBatch(run, nodes);
    nodes = await fresh();
  }
  if (nodes.some((node) => before(node, 'activating'))) {
    await restoreSurges(run, nodes);
    await waitForGoAhead(run, nodes);
    nodes = await fresh();
  }
  if (nodes.some((node) => before(node, 'done'))) {
    await activateBatch(run, nodes);
    await rebalance(run, nodes[0]!);
    await setState(run, nodes, 'done');
  }
}

// ------------------------------------------------------------------ drain, under the floors and the quorum guard

async function drainBatch(run: Run, nodes: readonly MaintenanceNode[]): Promise<void> {
  const listed = await listNodes(run.client);
  const docker = (node: MaintenanceNode) => {
    const found = listed.find((candidate) => candidate.ID === node.nodeId);
    if (!found) {
      throw new GatewayError('NOT_FOUND', `node ${node.hostname} is no longer in swarm "${run.swarmName}"`, {
        nodeId: node.nodeId,
      });
    }
    return found;
  };
  // Already set to drain (by this job before a crash): the tasks are moving, the checks were made then.
  const toDrain = nodes.filter((node) => docker(node).Spec.Availability !== 'drain');
  if (toDrain.length > 0) {
    if (nodes[0]!.role === 'manager') checkManagerOut(run, listed, nodes[0]!);
    await setState(run, nodes, 'draining', 'checking the floors of the services');
    await keepFloors(run, nodes, toDrain, listed);
    for (const node of toDrain) {
      await openStep(run, nodeStep('node.drain', node));
      await run.store.markDrainedByJob(run.jobId, node.nodeId);
      await updateNodeSpec(run.client, node.nodeId, (current) => withAvailability(current, 'drain'));
    }
  }
  await setState(run, nodes, 'draining', 'waiting for the tasks to move');
  await waitUntilMoved(run, nodes);
  for (const node of nodes) await endStep(run, nodeStep('node.drain', node));
  await setState(run, nodes, 'drained');
}

/** A manager goes out only when every manager is reachable and losing it keeps quorum: never two out at once. */
function checkManagerOut(run: Run, listed: readonly DockerNode[], node: MaintenanceNode): void {
  const quorum = currentQuorum(listed);
  if (quorum.reachable < quorum.managers) {
    throw new GatewayError(
      'QUORUM_AT_RISK',
      `manager ${node.hostname} is not taken out: swarm "${run.swarmName}" has ${quorum.managers} managers but ` +
        `only ${quorum.reachable} reachable, and maintenance takes one manager out only when all are reachable`,
      { managers: quorum.managers, reachable: quorum.reachable },
    );
  }
  checkManagerLoss(listed, node.nodeId, {
    verb: 'taking out for maintenance',
    swarmName: run.swarmName,
    keepOdd: false,
  });
}

/**
 * Before a drain: pause the nodes (no new task goes there), scale up each replicated service that would fall below
 * its floor by what it lacks, and wait until that many run elsewhere. The job's own changes are undone when the
 * floors cannot be kept in time (the nodes are left as they were). A run resumed after a crash finds its record: the
 * replicas before a scale-up are kept from the first run, and a node it paused is known as its own.
 */
async function keepFloors(
  run: Run,
  nodes: readonly MaintenanceNode[],
  toDrain: readonly MaintenanceNode[],
  listed: readonly DockerNode[],
): Promise<void> {
  const leaving = new Set(nodes.map((node) => node.nodeId));
  const deadline = Date.now() + run.input.timeoutSeconds * 1000;
  const first = nodes[0]!;
  const surgeOf = async () =>
    new Map(
      Object.entries(
        (await run.store.nodes(run.jobId)).find((node) => node.nodeId === first.nodeId)?.surge ?? {},
      ),
    );
  const check = async () =>
    floorChecks(
      await listServices(run.client),
      await listTasks(run.client),
      leaving,
      run.input.minAvailable,
      await surgeOf(),
    );
  try {
    let short = belowFloor(await check());
    if (short.length === 0) return;
    for (const node of toDrain) {
      // Recorded before the change: only a node this job moved from active is set active again.
      if (listed.find((one) => one.ID === node.nodeId)?.Spec.Availability !== 'active') continue;
      await run.store.markDrainedByJob(run.jobId, node.nodeId);
      await audited(
        run.context,
        quickStep('node.pause', node.nodeId, { nodeId: node.nodeId, nodeName: node.hostname }),
        () =>
          updateNodeSpec(run.client, node.nodeId, (current) =>
            current.Spec.Availability === 'active' ? withAvailability(current, 'pause') : null,
          ),
      );
    }
    for (const lacking of short) {
      await run.store.recordSurge(run.jobId, first.nodeId, lacking.serviceId, lacking.desired);
      const wanted = lacking.desired + (lacking.floor - lacking.elsewhere);
      await audited(
        run.context,
        quickStep(
          'service.scale',
          lacking.serviceId,
          { serviceId: lacking.serviceId, serviceName: lacking.service },
          { replicas: wanted, floor: lacking.floor, forDrainOf: nodes.map((node) => node.hostname) },
        ),
        () =>
          updateServiceSpec(run.client, lacking.serviceId, (service) =>
            (service.Spec.Mode?.Replicated?.Replicas ?? 0) >= wanted
              ? null
              : { ...service.Spec, Mode: { Replicated: { Replicas: wanted } } },
          ),
      );
    }
    for (;;) {
      short = belowFloor(await check());
      if (short.length === 0) return;
      await report(run, 'draining', `waiting for tasks elsewhere: ${short.map(describeFloor).join('; ')}`);
      if (Date.now() >= deadline) {
        throw jobTimeout(
          `${nodes.map((node) => node.hostname).join(', ')} not drained: ${short.map(describeFloor).join('; ')} ` +
            `after ${run.input.timeoutSeconds} s (placement constraints or resources leave no room elsewhere); ` +
            'lower minAvailable, make room, then resumeMaintenance',
          { services: short.map((lacking) => lacking.service) },
        );
      }
      await run.context.sleep(POLL_MS);
    }
  } catch (error) {
    // Not drained: what this job changed for the drain is set back, and the nodes stay pending.
    await restoreSurges(run, nodes);
    const mine = (await run.store.nodes(run.jobId)).filter(
      (node) => leaving.has(node.nodeId) && node.drainedByJob,
    );
    for (const node of mine) {
      const seen = (await listNodes(run.client)).find((one) => one.ID === node.nodeId);
      if (seen?.Spec.Availability !== 'pause') continue;
      await audited(
        run.context,
        quickStep('node.activate', node.nodeId, { nodeId: node.nodeId, nodeName: node.hostname }),
        () =>
          updateNodeSpec(run.client, node.nodeId, (current) =>
            current.Spec.Availability === 'pause' ? withAvailability(current, 'active') : null,
          ),
      );
    }
    for (const node of nodes) await run.store.setState(run.jobId, node.nodeId, 'pending');
    throw error;
  }
}

/** Sets the services scaled up for the batch back to their replicas (nothing when they are so already). */
async function restoreSurges(run: Run, nodes: readonly MaintenanceNode[]): Promise<void> {
  const all = await run.store.nodes(run.jobId);
  for (const node of all.filter((candidate) => nodes.some((one) => one.nodeId === candidate.nodeId))) {
    for (const [serviceId, replicas] of Object.entries(node.surge)) {
      // A service removed meanwhile has nothing to restore; one at its replicas already, nothing to audit.
      const service = await findService(run.client, serviceId);
      if (!service || service.Spec.Mode?.Replicated?.Replicas === replicas) continue;
      await audited(
        run.context,
        quickStep(
          'service.scale',
          serviceId,
          { serviceId, serviceName: service.Spec.Name },
          { replicas, restored: true },
        ),
        () =>
          updateServiceSpec(run.client, serviceId, (current) =>
            current.Spec.Mode?.Replicated?.Replicas === replicas
              ? null
              : { ...current.Spec, Mode: { Replicated: { Replicas: replicas } } },
          ),
      );
    }
  }
}

async function waitUntilMoved(run: Run, nodes: readonly MaintenanceNode[]): Promise<void> {
  const deadline = Date.now() + run.input.timeoutSeconds * 1000;
  for (;;) {
    let left = 0;
    const names: string[] = [];
    for (const node of nodes) {
      const listed = (await listNodes(run.client)).find((candidate) => candidate.ID === node.nodeId);
      if (!listed) continue;
      const count = runningTasks(await listNodeTasks(run.client, node.nodeId), listed).length;
      left += count;
      if (count > 0) names.push(`${node.hostname}: ${count}`);
    }
    if (left === 0) return;
    if (Date.now() >= deadline) {
      throw jobTimeout(
        `drained, but tasks still run after ${run.input.timeoutSeconds} s (${names.join(', ')}); the nodes are ` +
          'left drained: make room elsewhere, then resumeMaintenance',
        { tasksLeft: left },
      );
    }
    await report(run, 'draining', `tasks left ${names.join(', ')}`);
    await run.context.sleep(POLL_MS);
  }
}

// ------------------------------------------------------------------ the signal or the pause

async function waitForGoAhead(run: Run, nodes: readonly MaintenanceNode[]): Promise<void> {
  await setState(
    run,
    nodes,
    'waiting-signal',
    run.input.waitForSignal ? 'waiting for continueMaintenance' : `pausing ${run.input.pauseSeconds ?? 0} s`,
  );
  if (!run.input.waitForSignal) {
    await run.context.sleep((run.input.pauseSeconds ?? 0) * 1000);
    return;
  }
  const deadline = Date.now() + MAX_PAUSED_SECONDS * 1000;
  for (;;) {
    const all = await run.store.nodes(run.jobId);
    const waiting = nodes.filter((node) => !all.find((one) => one.nodeId === node.nodeId)?.continueAt);
    if (waiting.length === 0) return;
    if (Date.now() >= deadline) {
      throw jobTimeout(
        `no continueMaintenance for ${waiting.map((node) => node.hostname).join(', ')} in time`,
      );
    }
    await run.context.sleep(POLL_MS);
  }
}

// ------------------------------------------------------------------ back in service

async function activateBatch(run: Run, nodes: readonly MaintenanceNode[]): Promise<void> {
  await setState(run, nodes, 'activating');
  for (const node of nodes) {
    await openStep(run, nodeStep('node.activate', node));
    await updateNodeSpec(run.client, node.nodeId, (current) => withAvailability(current, 'active'));
  }
  for (const node of nodes) {
    const manager = node.role === 'manager';
    await waitForNode(run.context, run.client, node.nodeId, {
      done: (seen) =>
        seen?.Status.State === 'ready' &&
        seen.Spec.Availability === 'active' &&
        (!manager || seen.ManagerStatus?.Reachability === 'reachable'),
      step: 'activating',
      describe: (seen) => `${node.hostname} is ${seen?.Status.State ?? 'not listed'}`,
      from: 0,
      to: 0,
      timeoutMs: run.input.timeoutSeconds * 1000,
      onTimeout: (seen) =>
        jobTimeout(
          `${hostnameOf(seen, node.hostname)} is active but not ${manager ? 'Ready and Reachable' : 'Ready'} ` +
            `after ${run.input.timeoutSeconds} s; see docker node ls, then resumeMaintenance`,
        ),
    });
    await endStep(run, nodeStep('node.activate', node));
  }
}

/**
 * `docker service update --force` of each named service, followed until Docker completed it. The ForceUpdate value
 * is recorded before it is sent: a job run again finds it applied and only follows.
 */
async function rebalance(run: Run, node: MaintenanceNode): Promise<void> {
  for (const name of run.input.rebalance) {
    const service = await inspectService(run.client, name);
    const recorded = node.rebalance[name];
    const target = recorded ?? (service.Spec.TaskTemplate.ForceUpdate ?? 0) + 1;
    if (recorded === undefined) await run.store.recordRebalance(run.jobId, node.nodeId, name, target);
    await report(run, 'rebalancing', `rebalancing ${service.Spec.Name}`);
    // The same operation id for the same ForceUpdate value: a rebalance resumed after a crash pairs with its request.
    const step: StepAudit = {
      step: 'service.update',
      key: `${service.ID}:force:${target}`,
      target: { serviceId: service.ID, serviceName: service.Spec.Name },
      parameters: { force: true, rebalance: true },
    };
    await openStep(run, step);
    await updateServiceSpec(run.client, service.ID, (current) =>
      (current.Spec.TaskTemplate.ForceUpdate ?? 0) >= target
        ? null
        : { ...current.Spec, TaskTemplate: { ...current.Spec.TaskTemplate, ForceUpdate: target } },
    );
    await followService(run.context, run.client, service.ID, {
      step: 'rebalancing',
      awaiting: `service ${service.Spec.Name} to be rebalanced`,
      timeoutMs: run.input.timeoutSeconds * 1000,
      judge: ({ service: seen }, counts) => {
        const state = seen.UpdateStatus?.State;
        if (state === 'paused' || state?.startsWith('rollback')) {
          throw new GatewayError('UPDATE_PAUSED', `the rebalance of ${seen.Spec.Name} stopped: ${state}`);
        }
        return (state === undefined || state === 'completed') && counts.runningCurrent >= counts.desired
          ? { done: true }
          : { done: false, percent: 0, message: `rebalancing ${seen.Spec.Name}` };
      },
    });
    await endStep(run, step);
  }
}

// ------------------------------------------------------------------ pause, resume, cancel

/** A failed step: the job stays running, paused, saying why, until resumeMaintenance or a cancel. */
async function pauseOn(run: Run, batch: readonly MaintenanceNode[], error: unknown): Promise<void> {
  const outcome = outcomeOf(error);
  if (outcome.code === 'INTERNAL') run.context.log.error({ err: error }, 'maintenance step failed');
  const reason = `${batch.map((node) => node.hostname).join(', ')}: ${outcome.message}`;
  await failOpenSteps(run, outcome.code, outcome.message);
  await run.store.setPaused(run.jobId, reason, outcome.code);
  for (const node of batch) {
    const current = (await run.store.nodes(run.jobId)).find((one) => one.nodeId === node.nodeId);
    await run.store.setState(run.jobId, node.nodeId, current?.state ?? node.state, outcome.message);
  }
}

async function waitWhilePaused(run: Run): Promise<void> {
  let told = false;
  for (;;) {
    const pause = await run.store.pause(run.jobId);
    if (!pause?.pausedAt) return;
    if (pause.resumeAt) {
      await run.store.clearPause(run.jobId);
      await report(run, 'resumed');
      return;
    }
    if (!told) await report(run, 'paused', `paused (${pause.errorCode ?? 'failed'}): ${pause.reason ?? ''}`);
    told = true;
    if (Date.now() - Date.parse(pause.pausedAt) >= MAX_PAUSED_SECONDS * 1000) {
      throw jobTimeout(`paused without resumeMaintenance for ${MAX_PAUSED_SECONDS} s: ${pause.reason ?? ''}`);
    }
    await run.context.sleep(POLL_MS * 2);
  }
}

/** Cancelled: the nodes this job drained and did not finish are set active, the services it scaled set back. */
async function undoOnCancel(run: Run): Promise<void> {
  await failOpenSteps(run, 'CANCELLED', 'the maintenance was cancelled');
  const open = (await run.store.nodes(run.jobId)).filter((node) => node.state !== 'done');
  await restoreSurges(run, open);
  for (const node of open.filter((one) => one.drainedByJob || one.state !== 'pending')) {
    const seen = (await listNodes(run.client)).find((one) => one.ID === node.nodeId);
    if (seen && seen.Spec.Availability !== 'active') {
      await audited(
        run.context,
        quickStep(
          'node.activate',
          node.nodeId,
          { nodeId: node.nodeId, nodeName: node.hostname },
          { cancelled: true },
        ),
        () => updateNodeSpec(run.client, node.nodeId, (current) => withAvailability(current, 'active')),
      );
    }
    await run.store.setState(run.jobId, node.nodeId, 'failed', 'cancelled: set active again');
  }
}

/** A quick change's audit: its own operation id each time (a change made again is audited again). */
function quickStep(
  step: StepAudit['step'],
  subject: string,
  target: StepAudit['target'],
  parameters: Record<string, unknown> = {},
): StepAudit {
  return { step, key: `${subject}:${randomUUID()}`, target, parameters };
}
