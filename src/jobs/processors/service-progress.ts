// Following a service until its tasks reach what a job wants: progress per task, IMAGE_MISSING from rejected
// tasks, Docker's UpdateStatus, and a bounded wait. Shared by the service processors.
import { canonicalJson } from '../../audit/chain.ts';
import { hostnameOf, inspectService, listNodes, listServiceTasks } from '../../docker/reads.ts';
import type { SwarmClient } from '../../docker/swarm-client.ts';
import type { DockerService, DockerTask } from '../../docker/types.ts';
import { GatewayError, jobTimeout } from '../../errors.ts';
import { JobCancelledError, type JobContext } from '../processor.ts';

/** How often a followed service is read (one service inspect and one task list per read). */
const POLL_MS = 500;
/**
 * After the first "No such image" rejection, how long more rejections are collected before failing, so that
 * the error names every node that lacks the image rather than the first one Docker tried.
 */
const IMAGE_MISSING_GRACE_MS = 2000;

/** A service and every task Docker keeps for it (history included: rejected tasks tell why). */
export interface ServiceObservation {
  service: DockerService;
  tasks: DockerTask[];
}

/** How many tasks are where, for a service's current spec. */
export interface TaskCounts {
  /** Tasks the service should run: its replicas, or for a global service the tasks Docker wants running. */
  desired: number;
  /** Running tasks meant to keep running (any spec). */
  running: number;
  /** ...of which run the service's current spec. */
  runningCurrent: number;
  /** Running tasks Docker is stopping (scaled down, replaced or removed). */
  leaving: number;
}

export type Verdict = { done: true; message?: string } | { done: false; percent: number; message: string };

export interface FollowOptions {
  /** The progress step shown while following ("updating", "scaling"...). */
  step: string;
  /** What is awaited, for the time-out message ("service web to run 4 tasks"). */
  awaiting: string;
  timeoutMs: number;
  /** Decides from one observation; throws to fail the job (UPDATE_PAUSED, UPDATE_ROLLED_BACK...). */
  judge: (observation: ServiceObservation, counts: TaskCounts) => Verdict;
}

export async function observeService(client: SwarmClient, serviceId: string): Promise<ServiceObservation> {
  const service = await inspectService(client, serviceId);
  const tasks = await listServiceTasks(client, serviceId);
  // The service filter also matches by name prefix; keep this service's own tasks.
  return { service, tasks: tasks.filter((task) => task.ServiceID === service.ID) };
}

/** docker/types.ts types a task's spec narrowly; the fields compared here are those of the service's template. */
interface TaskSpecView {
  ContainerSpec?: unknown;
  ForceUpdate?: number;
}

/**
 * True when the task runs the service's current spec. The API gives tasks no spec version, so the container
 * spec (image, env, command...) and the force-update counter are compared, as Docker's updater does.
 */
export function isOfCurrentSpec(task: DockerTask, service: DockerService): boolean {
  const spec = task.Spec as TaskSpecView;
  const template = service.Spec.TaskTemplate;
  return (
    canonicalJson(spec.ContainerSpec ?? {}) === canonicalJson(template.ContainerSpec ?? {}) &&
    (spec.ForceUpdate ?? 0) === (template.ForceUpdate ?? 0)
  );
}

export function countTasks({ service, tasks }: ServiceObservation): TaskCounts {
  const keep = tasks.filter((task) => task.DesiredState === 'running');
  const running = keep.filter((task) => task.Status.State === 'running');
  const global = service.Spec.Mode?.Global !== undefined;
  // Stop-first updates create the replacement with desired state "ready" until the old task stopped.
  const wanted = tasks.filter((task) => task.DesiredState === 'running' || task.DesiredState === 'ready');
  return {
    desired: global ? wanted.length : (service.Spec.Mode?.Replicated?.Replicas ?? 1),
    running: running.length,
    runningCurrent: running.filter((task) => isOfCurrentSpec(task, service)).length,
    leaving: tasks.filter((task) => task.DesiredState !== 'running' && task.Status.State === 'running')
      .length,
  };
}

/** Tasks of the current spec that nodes rejected for lack of the image, since `since` (Docker's clock). */
function imageRejections({ service, tasks }: ServiceObservation, since: number): DockerTask[] {
  return tasks.filter(
    (task) =>
      task.Status.State === 'rejected' &&
      /No such image/i.test(task.Status.Err ?? '') &&
      isOfCurrentSpec(task, service) &&
      Date.parse(task.Status.Timestamp ?? task.UpdatedAt) >= since,
  );
}

async function imageMissingError(
  client: SwarmClient,
  observation: ServiceObservation,
  rejected: DockerTask[],
): Promise<GatewayError> {
  const { service } = observation;
  const image = service.Spec.TaskTemplate.ContainerSpec?.Image ?? '(none)';
  const nodes = await listNodes(client);
  const nameOf = new Map(nodes.map((node) => [node.ID, hostnameOf(node)]));
  const hostnames = [...new Set(rejected.map((task) => nameOf.get(task.NodeID ?? '') ?? task.NodeID))]
    .filter((name): name is string => Boolean(name))
    .sort();
  const status = service.UpdateStatus?.State;
  const state =
    status === 'paused'
      ? ' Docker paused the rolling update.'
      : status?.startsWith('rollback')
        ? ' Docker is rolling the update back.'
        : '';
  return new GatewayError(
    'IMAGE_MISSING',
    `image "${image}" is missing on node(s) ${hostnames.join(', ')}: Docker rejected the tasks of service ` +
      `"${service.Spec.Name}" there with "No such image" (the gateway never pulls from a registry).${state} ` +
      `Load the image on those nodes, or ${service.PreviousSpec ? 'roll the service back (rollbackService)' : 'remove the service'}.`,
    { image, nodes: hostnames, service: service.Spec.Name },
  );
}

/** The latest distinct task errors (newest first), to say why a wait ran out. */
function recentTaskErrors({ tasks }: ServiceObservation, limit = 3): string[] {
  const errors = tasks
    .filter((task) => task.Status.Err)
    .sort(
      (a, b) => Date.parse(b.Status.Timestamp ?? b.UpdatedAt) - Date.parse(a.Status.Timestamp ?? a.UpdatedAt),
    )
    .map((task) => task.Status.Err!);
  return [...new Set(errors)].slice(0, limit);
}

/**
 * Reads the service until `judge` says done, reporting progress when it changes (never backwards), failing
 * with IMAGE_MISSING when tasks of its current spec are rejected for lack of the image, and with JOB_TIMEOUT
 * when `timeoutMs` runs out. Cancelling the job stops the wait (JobCancelledError, as ctx.sleep throws).
 */
export async function followService(
  ctx: JobContext,
  client: SwarmClient,
  serviceId: string,
  options: FollowOptions,
): Promise<ServiceObservation> {
  const deadline = Date.now() + options.timeoutMs;
  let since: number | null = null;
  let firstRejection: number | null = null;
  let shown = { percent: -1, message: '' };
  for (;;) {
    const observation = await observeOrWait(ctx, client, serviceId, deadline);
    if (!observation) continue;
    const { service } = observation;
    // Rejections count from this rollout on: an update's start, else the service's last change (our own).
    since ??= Date.parse(service.UpdateStatus?.StartedAt ?? service.UpdatedAt);
    const rejected = imageRejections(observation, since);
    if (rejected.length > 0) {
      firstRejection ??= Date.now();
      // Once Docker stopped rolling (paused, completed, rolled back), no more rejections will come.
      const state = service.UpdateStatus?.State;
      const settled = state !== undefined && state !== 'updating' && state !== 'rollback_started';
      if (settled || Date.now() - firstRejection >= IMAGE_MISSING_GRACE_MS || Date.now() >= deadline) {
        throw await imageMissingError(client, observation, rejected);
      }
    }
    const counts = countTasks(observation);
    const verdict = options.judge(observation, counts);
    if (verdict.done) {
      await ctx.progress(100, options.step, verdict.message ?? 'done');
      return observation;
    }
    const percent = Math.max(shown.percent, Math.min(99, Math.max(0, Math.floor(verdict.percent))));
    if (percent !== shown.percent || verdict.message !== shown.message) {
      shown = { percent, message: verdict.message };
      await ctx.progress(percent, options.step, verdict.message);
    }
    if (Date.now() >= deadline) {
      const errors = recentTaskErrors(observation);
      throw jobTimeout(
        `gave up waiting for ${options.awaiting} after ${Math.round(options.timeoutMs / 1000)} s: ` +
          `${verdict.message}${errors.length > 0 ? `; latest task errors: ${errors.join('; ')}` : ''}. ` +
          "Docker keeps trying; see the service's tasks.",
        { service: service.Spec.Name, timeoutSeconds: Math.round(options.timeoutMs / 1000) },
      );
    }
    await pause(ctx, POLL_MS);
  }
}

/**
 * One observation, or null after a pause when no manager answered: Docker goes on rolling out while a manager
 * is briefly away (an election, a restart), so the wait goes on too, until its deadline.
 */
async function observeOrWait(
  ctx: JobContext,
  client: SwarmClient,
  serviceId: string,
  deadline: number,
): Promise<ServiceObservation | null> {
  try {
    return await observeService(client, serviceId);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== 'SWARM_UNREACHABLE' || Date.now() >= deadline) {
      throw error;
    }
    ctx.log.warn({ err: error, serviceId }, 'service job: swarm unreachable while following; retrying');
    await pause(ctx, POLL_MS * 4);
    return null;
  }
}

/**
 * ctx.sleep, but removing its abort listener when the time is up: a follow loop sleeps hundreds of times, and
 * listeners left on the job's signal pile up (Node warns after 10).
 */
function pause(ctx: JobContext, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(new JobCancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new JobCancelledError());
    };
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** "3/4 tasks of the new spec running" and the like. */
export function taskSummary(counts: TaskCounts, of = ''): string {
  const leaving = counts.leaving > 0 ? `, ${counts.leaving} stopping` : '';
  return `${of ? counts.runningCurrent : counts.running}/${counts.desired} tasks${of ? ` of ${of}` : ''} running${leaving}`;
}

/** The error of the task Docker's UpdateStatus message names ("...failure or early termination of task X"). */
export function namedTaskError({ service, tasks }: ServiceObservation): string | null {
  const id = /task ([a-z0-9]{6,})/i.exec(service.UpdateStatus?.Message ?? '')?.[1];
  if (!id) return null;
  const task = tasks.find((candidate) => candidate.ID.startsWith(id));
  return task?.Status.Err ?? null;
}
