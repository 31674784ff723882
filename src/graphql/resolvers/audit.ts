// Audit queries, the AuditEvent type and the auditEventAdded subscription.
import { requireRole } from '../../auth/authorize.ts';
import { auditIntegrity, listAuditEvents } from '../../queries/audit-queries.ts';
import type {
  AuditEventResolvers,
  AuditOutcome,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/types.ts';
import { ALL_AUDIT_TOPICS, auditTopic } from '../../plugins/app/events.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';

export const auditQueries: Pick<QueryResolvers, 'auditEvents' | 'auditIntegrity'> = {
  auditEvents: (_root, { filter, first, after }, { principal, deps }) =>
    listAuditEvents(deps.audit, principal, filter, first, after),
  auditIntegrity: (_root, { tenant }, { principal, deps }) => auditIntegrity(deps.audit, principal, tenant),
};

export const AuditEvent: AuditEventResolvers = {
  outcome: (event) => event.phase.toUpperCase() as AuditOutcome,
  actor: (event) => ({
    sub: event.principalSub,
    actors: event.actors,
    roles: event.roles,
    source: event.source,
    clientAddress: event.clientAddress,
    userAgent: event.userAgent,
    requestId: event.requestId,
  }),
  target: (event) => ({
    swarmId: event.target.swarmId ?? null,
    swarmName: event.target.swarmName ?? null,
    nodeId: event.target.nodeId ?? null,
    nodeName: event.target.nodeName ?? null,
    serviceId: event.target.serviceId ?? null,
    serviceName: event.target.serviceName ?? null,
  }),
  parameters: (event) => JSON.stringify(event.parameters),
  result: (event) =>
    event.result === null || event.result === undefined ? null : JSON.stringify(event.result),
};

export const Subscription: SubscriptionResolvers<SubscriptionContext> = {
  auditEventAdded: {
    subscribe: async (_root, _args, context) => {
      const principal = await subscriberOf(context);
      requireRole(principal, 'viewer', 'watch the audit log');
      const topic = principal.roles.includes('platform-admin')
        ? ALL_AUDIT_TOPICS
        : auditTopic(principal.tenant);
      return context.pubsub.subscribe(topic);
    },
  },
};
