// The planners of the dry runs (src/operations/plan-job.ts): for each job type, what it would do to the swarm as it
// is now, read once through the request's reads. A job type without its own planner gets the generic plan ("would
// <action> <target> with <parameters>"). The rules are in src/domain/plans/ (pure); this file only reads.
import type { AuditTarget } from '../audit/types.ts';
import { redactSecrets } from '../audit/redact.ts';
import { drainPlan, drainSummary } from '../domain/plans/drain-plan.ts';
import {
  quorumJoinPlan,
  quorumPlan,
  type ManagerChangeKind,
  type QuorumPlan,
} from '../domain/plans/quorum-plan.ts';
import {
  serviceCreatePlan,
  serviceRollbackPlan,
  serviceScalePlan,
  serviceSummary,
  serviceUpdatePlan,
  type ServicePlan,
} from '../domain/plans/service-plan.ts';
import { hostnameOf } from '../docker/reads.ts';
import type { JobInput, JobType } from '../jobs/types.ts';
import { getStack } from '../queries/stack-queries.ts';
import type { SwarmReads } from '../queries/swarm-reads.ts';
import type { SwarmRecord } from '../registry/repository.ts';
import { maintenancePlanner } from './swarm-maintenance-plan.ts';

/** What a plan always says, in words (the audit keeps this), beside its own fields. */
export interface Plan {
  summary: string;
  [detail: string]: unknown;
}

/** What a planner is given: the request's input, the swarm, the reads the checks made (memoised) and the target. */
export interface PlanSite<T extends JobType> {
  action: T;
  input: JobInput<T>;
  swarm: SwarmRecord;
  /** The request's reads: planners read fresh (a manager asked now), as the checks did. */
  reads: SwarmReads;
  target: AuditTarget;
  forced: boolean;
}

export type Planner<T extends JobType> = (site: PlanSite<T>) => Promise<Plan>;

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The target in words: the node, service or object the precheck named, else the swarm. */
function targetName(target: AuditTarget): string {
  const named = Object.entries(target)
    .filter(([key, value]) => key.endsWith('Name') && key !== 'swarmName' && text(value))
    .map(([, value]) => String(value));
  return named[0] ?? `swarm ${target.swarmName ?? ''}`.trim();
}

/** Any job type: what it would do, with its parameters (secrets removed). */
export function genericPlan<T extends JobType>(site: PlanSite<T>): Promise<Plan> {
  const parameters = redactSecrets(site.input);
  return Promise.resolve({
    summary: `would ${site.action} ${targetName(site.target)} with ${JSON.stringify(parameters)}`,
    action: site.action,
    target: targetName(site.target),
    parameters,
  });
}

// ---------------------------------------------------------------- nodes

/** The node the precheck resolved (its id is in the target). */
function nodeIdOf(site: PlanSite<JobType>): string {
  return text(site.target.nodeId) ?? '';
}

function quorumSummary(verb: string, name: string, quorum: QuorumPlan): string {
  const counts =
    quorum.managersBefore === quorum.managersAfter
      ? 'managers unchanged'
      : `managers ${quorum.managersBefore} -> ${quorum.managersAfter}, tolerates ` +
        `${quorum.toleratesBefore} -> ${quorum.toleratesAfter}${quorum.evenAfter ? ' (even)' : ''}`;
  const refusal = quorum.wouldRefuse ? `; without force: refused (${quorum.wouldRefuse})` : '';
  return `would ${verb} ${name}: ${counts}${refusal}`;
}

function managerChangePlanner<T extends 'node.promote' | 'node.demote' | 'node.remove'>(
  verb: string,
  kind: ManagerChangeKind,
): Planner<T> {
  return async (site) => {
    const nodes = await site.reads.fresh().nodes(site.swarm);
    const nodeId = nodeIdOf(site);
    const node = nodes.find((candidate) => candidate.ID === nodeId);
    const quorum = quorumPlan(nodes, nodeId, kind);
    const name = hostnameOf(node, nodeId);
    return {
      summary: quorumSummary(verb, name, quorum),
      node: { id: nodeId, name, role: node?.Spec.Role ?? null },
      force: site.input.force,
      quorum,
    };
  };
}

const availabilityPlanner: Planner<'node.drain' | 'node.pause'> = async (site) => {
  const reads = site.reads.fresh();
  const [nodes, services, tasks] = await Promise.all([
    reads.nodes(site.swarm),
    reads.services(site.swarm),
    reads.tasks(site.swarm),
  ]);
  const plan = drainPlan({
    nodes,
    services,
    tasks,
    nodeId: nodeIdOf(site),
    availability: site.action === 'node.pause' ? 'pause' : 'drain',
  });
  return { summary: drainSummary(plan), ...plan };
};

const activatePlanner: Planner<'node.activate'> = (site) =>
  Promise.resolve({
    summary:
      `would set ${targetName(site.target)} active: new tasks may be scheduled on it; running tasks elsewhere ` +
      'do not move back by themselves (rebalance with updateService force)',
    availability: 'active',
    quorum: null,
  });

const labelsPlanner: Planner<'node.labels.update'> = async (site) => {
  const node = await site.reads.fresh().node(site.swarm, site.input.node);
  const labels = node.Spec.Labels ?? {};
  const added = site.input.add.filter(({ key }) => !(key in labels)).map(({ key }) => key);
  const changed = site.input.add
    .filter(({ key, value }) => key in labels && labels[key] !== value)
    .map(({ key }) => key);
  const removed = site.input.remove.filter((key) => key in labels);
  return {
    summary:
      `would update the labels of ${hostnameOf(node)}: ${added.length} added, ${changed.length} changed, ` +
      `${removed.length} removed`,
    // Keys only: a plan names what changes, the values are the caller's own.
    labels: { added, changed, removed },
  };
};

// ---------------------------------------------------------------- swarm membership

const joinPlanner: Planner<'swarm.join'> = async (site) => {
  const manager = site.input.role === 'manager';
  const quorum = manager ? quorumJoinPlan(await site.reads.fresh().nodes(site.swarm)) : null;
  return {
    summary:
      manager && quorum
        ? quorumSummary('join as a manager', site.input.endpoint.url, quorum)
        : `would join ${site.input.endpoint.url} as a worker: managers unchanged`,
    role: site.input.role,
    engine: site.input.endpoint.url,
    quorum,
  };
};

const leavePlanner: Planner<'swarm.leave'> = async (site) => {
  const nodes = await site.reads.fresh().nodes(site.swarm);
  const nodeId = nodeIdOf(site);
  const node = nodes.find((candidate) => candidate.ID === nodeId);
  const name = hostnameOf(node, nodeId);
  const quorum = node?.Spec.Role === 'manager' ? quorumPlan(nodes, nodeId, 'loss') : null;
  return {
    summary: quorum
      ? quorumSummary('make leave', name, quorum)
      : `would make ${name} leave: managers unchanged`,
    node: { id: nodeId, name, role: node?.Spec.Role ?? null },
    quorum,
  };
};

const rotatePlanner: Planner<'swarm.joinToken.rotate'> = (site) =>
  Promise.resolve({
    summary: `would replace the ${site.input.role} join token: nodes already joined are unaffected`,
    rotate: site.input.role,
  });

// ---------------------------------------------------------------- services

function servicePlan(verb: string, plan: ServicePlan): Plan {
  return { summary: serviceSummary(verb, plan), ...plan };
}

const serviceUpdatePlanner: Planner<'service.update'> = async (site) =>
  servicePlan(
    'update',
    serviceUpdatePlan(await site.reads.fresh().service(site.swarm, site.input.service), site.input),
  );

const serviceScalePlanner: Planner<'service.scale'> = async (site) =>
  servicePlan(
    'scale',
    serviceScalePlan(await site.reads.fresh().service(site.swarm, site.input.service), site.input.replicas),
  );

const serviceRollbackPlanner: Planner<'service.rollback'> = async (site) =>
  servicePlan(
    'roll back',
    serviceRollbackPlan(await site.reads.fresh().service(site.swarm, site.input.service)),
  );

const serviceCreatePlanner: Planner<'service.create'> = (site) =>
  Promise.resolve(servicePlan('create', serviceCreatePlan(site.input)));

const serviceRemovePlanner: Planner<'service.remove'> = async (site) => {
  const reads = site.reads.fresh();
  const service = await reads.service(site.swarm, site.input.service);
  const tasks = (await reads.tasks(site.swarm)).filter(
    (task) => task.ServiceID === service.ID && task.DesiredState === 'running',
  );
  return {
    summary: `would remove service ${service.Spec.Name}: ${tasks.length} task(s) stop`,
    remove: [{ kind: 'service', name: service.Spec.Name }],
    tasksStopping: tasks.length,
  };
};

// ---------------------------------------------------------------- networks, secrets, configs, stacks

function createPlanner<T extends 'network.create' | 'secret.create' | 'config.create'>(
  kind: string,
): Planner<T> {
  return (site) =>
    Promise.resolve({
      summary: `would create ${kind} ${site.input.name}`,
      // The name only: a secret's value or a config's data never reaches a plan.
      create: [{ kind, name: site.input.name }],
    });
}

function removePlanner<T extends 'network.remove' | 'secret.remove' | 'config.remove'>(
  kind: string,
): Planner<T> {
  return (site) => {
    const name = text(site.target[`${kind}Name`]) ?? site.input.ref;
    // The operation's checks refused it already if a service used it (CONFLICT); one already gone is no change.
    const exists = text(site.target[`${kind}Id`]) !== null;
    return Promise.resolve({
      summary: exists
        ? `would remove ${kind} ${name}`
        : `${kind} ${name} is gone already: nothing would change`,
      remove: exists ? [{ kind, name }] : [],
      wouldRefuse: null,
    });
  };
}

const secretRotatePlanner: Planner<'secret.rotate'> = async (site) => {
  const oldName = text(site.target.secretName) ?? site.input.ref;
  const newName = text(site.target.newSecretName) ?? site.input.newName ?? '';
  const secretId = text(site.target.secretId);
  const services = (await site.reads.fresh().services(site.swarm))
    .filter((service) =>
      (service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []).some((ref) => ref.SecretID === secretId),
    )
    .map((service) => service.Spec.Name)
    .sort();
  return {
    summary: `would create secret ${newName}, move ${services.length} service(s) to it and remove ${oldName}`,
    create: [{ kind: 'secret', name: newName }],
    change: services.map((name) => ({ kind: 'service', name })),
    remove: [{ kind: 'secret', name: oldName }],
  };
};

const stackRemovePlanner: Planner<'stack.remove'> = async (site) => {
  const stack = await getStack(site.reads.fresh(), site.swarm, site.input.name);
  const remove = [
    ...stack.services.map((service) => ({ kind: 'service', name: service.name })),
    ...stack.networks.map(({ name }) => ({ kind: 'network', name })),
    ...stack.secrets.map(({ name }) => ({ kind: 'secret', name })),
    ...stack.configs.map(({ name }) => ({ kind: 'config', name })),
  ];
  return { summary: `would remove stack ${stack.name}: ${remove.length} object(s)`, remove };
};

/** The planners by job type; the others get genericPlan. */
export const PLANNERS: { [T in JobType]?: Planner<T> } = {
  'node.promote': managerChangePlanner('promote', 'gain'),
  'node.demote': managerChangePlanner('demote', 'loss'),
  'node.remove': managerChangePlanner('remove', 'loss'),
  'node.drain': availabilityPlanner,
  'node.pause': availabilityPlanner,
  'node.activate': activatePlanner,
  'node.labels.update': labelsPlanner,
  'swarm.join': joinPlanner,
  'swarm.leave': leavePlanner,
  'swarm.joinToken.rotate': rotatePlanner,
  'service.create': serviceCreatePlanner,
  'service.update': serviceUpdatePlanner,
  'service.scale': serviceScalePlanner,
  'service.rollback': serviceRollbackPlanner,
  'service.remove': serviceRemovePlanner,
  'network.create': createPlanner('network'),
  'secret.create': createPlanner('secret'),
  'config.create': createPlanner('config'),
  'network.remove': removePlanner('network'),
  'secret.remove': removePlanner('secret'),
  'config.remove': removePlanner('config'),
  'secret.rotate': secretRotatePlanner,
  'stack.remove': stackRemovePlanner,
  'swarm.maintenance': maintenancePlanner,
};

/** The plan of the job the site describes: its own planner's, or the generic one. */
export function planOf<T extends JobType>(site: PlanSite<T>): Promise<Plan> {
  const planner = PLANNERS[site.action];
  return planner ? planner(site) : genericPlan(site);
}
