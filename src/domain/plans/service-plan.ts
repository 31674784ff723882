// What a service mutation would change: the spec diff (paths, old -> new; Env by variable name only, never a value)
// and the replicas before and after. Pure: given the service as a manager shows it now.
import type { DockerService, DockerServiceSpec } from '../../docker/types.ts';
import { serviceSpecDiff, type SpecChange } from '../stack-plan.ts';
import { applyServiceChange, serviceChangeOf, serviceDefinitionOf } from '../service-spec.ts';

export interface ServicePlan {
  service: string;
  /** null: a GLOBAL service (one task per node). */
  replicas: { before: number | null; after: number | null };
  diff: SpecChange[];
  /** true when the spec would not change at all (Docker would roll nothing). */
  unchanged: boolean;
}

const replicasOf = (spec: DockerServiceSpec | undefined): number | null =>
  spec === undefined || spec.Mode?.Global !== undefined ? null : (spec.Mode?.Replicated?.Replicas ?? 1);

function planOf(name: string, before: DockerServiceSpec | undefined, after: DockerServiceSpec): ServicePlan {
  const diff = serviceSpecDiff(before ?? { Name: name, TaskTemplate: {} }, after);
  return {
    service: name,
    replicas: { before: replicasOf(before), after: replicasOf(after) },
    diff,
    unchanged: diff.length === 0,
  };
}

/** updateService: the change applied to the spec as it is now (the job applies it to the spec as it is then). */
export function serviceUpdatePlan(service: DockerService, input: Record<string, unknown>): ServicePlan {
  const next = applyServiceChange(service.Spec, serviceChangeOf(input));
  return planOf(service.Spec.Name, service.Spec, next);
}

/** scaleService: the replicas only. */
export function serviceScalePlan(service: DockerService, replicas: number): ServicePlan {
  const next: DockerServiceSpec = { ...service.Spec, Mode: { Replicated: { Replicas: replicas } } };
  return planOf(service.Spec.Name, service.Spec, next);
}

/** rollbackService: back to Docker's PreviousSpec (the operation refuses a service without one). */
export function serviceRollbackPlan(service: DockerService): ServicePlan {
  return planOf(service.Spec.Name, service.Spec, service.PreviousSpec ?? service.Spec);
}

/** createService: every field of the new spec, as a diff from nothing. */
export function serviceCreatePlan(input: Record<string, unknown>): ServicePlan {
  const { spec } = serviceDefinitionOf(input);
  return planOf(spec.Name, undefined, spec);
}

export function serviceSummary(verb: string, plan: ServicePlan): string {
  const { before, after } = plan.replicas;
  const replicas = before === after ? '' : `, replicas ${before ?? 'none'} -> ${after ?? 'global'}`;
  const fields = plan.unchanged
    ? 'nothing would change'
    : `${plan.diff.length} field(s) ${before === null && after !== null && verb === 'create' ? 'set' : 'change'}`;
  return `would ${verb} service ${plan.service}: ${fields}${replicas}`;
}
