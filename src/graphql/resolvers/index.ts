// All resolvers, keyed by GraphQL type.
import type { Resolvers } from '../generated/types.ts';
import { approvalMutations, approvalQueries } from './approvals.ts';
import { AuditEvent, auditQueries, Subscription } from './audit.ts';
import { joinTokenRotationFields, joinTokenRotationMutations } from './join-token-rotation.ts';
import { Job, jobMutations, jobQueries, jobSubscriptions } from './jobs.ts';
import { maintenanceJobFields, maintenanceMutations } from './maintenance.ts';
import { Mutation } from './mutation.ts';
import { nodeMutations } from './node-ops.ts';
import { Node, Service, Task } from './objects.ts';
import { Query } from './query.ts';
import { serviceMutations } from './service-ops.ts';
import { serviceLogSubscriptions } from './service-logs.ts';
import { stackDeployMutations } from './stack-deploy.ts';
import { stackMutations } from './stack-ops.ts';
import { stackFields } from './stacks.ts';
import { swarmObjectFields, swarmObjectMutations } from './swarm-objects.ts';
import { swarmMutations } from './swarm-ops.ts';
import { swarmPolicyFields, swarmPolicyMutations } from './swarm-policy.ts';
import { stateSubscriptions, swarmStateFields } from './state.ts';
import { Swarm } from './swarm.ts';

export const resolvers: Resolvers = {
  Query: { ...Query, ...auditQueries, ...jobQueries, ...approvalQueries },
  Mutation: {
    ...Mutation,
    ...jobMutations,
    ...swarmMutations,
    ...nodeMutations,
    ...serviceMutations,
    ...stackMutations,
    ...stackDeployMutations,
    ...swarmObjectMutations,
    ...swarmPolicyMutations,
    ...approvalMutations,
    ...joinTokenRotationMutations,
    ...maintenanceMutations,
  },
  Swarm: {
    ...Swarm,
    ...swarmStateFields,
    ...stackFields,
    ...swarmObjectFields,
    ...swarmPolicyFields,
    ...joinTokenRotationFields,
  },
  Node,
  Service,
  Task,
  AuditEvent,
  Job: { ...Job, ...maintenanceJobFields },
};

/** Subscriptions run with mercurius's subscription context, not the per-request one. */
export const subscriptionResolvers = {
  Subscription: { ...Subscription, ...jobSubscriptions, ...stateSubscriptions, ...serviceLogSubscriptions },
};
