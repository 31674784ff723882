// Audit queries, the AuditEvent type and the auditEventAdded subscription.
import { requireRole } from '../../auth/authorize.ts';
import { auditIntegrity, listAuditEvents } from '../../queries/audit-queries.ts';
import type { AuditEvent as AuditEventRecord } from '../../audit/types.ts';
import { toAuditEventView } from '../../queries/views.ts';
import type { AuditEventResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/types.ts';
import { ALL_AUDIT_TOPICS, auditTopic } from '../../plugins/app/events.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';
import { jsonFields } from './json-fields.ts';

export const auditQueries: Pick<QueryResolvers, 'auditEvents' | 'auditIntegrity'> = {
  auditEvents: (_root, { filter, first, after }, { principal, deps }) =>
    listAuditEvents(deps.audit, principal, filter, first, after),
  auditIntegrity: (_root, { tenant }, { principal, deps }) => auditIntegrity(deps.audit, principal, tenant),
};

/** The view's fields as they are, but its JSON values as text. */
export const AuditEvent: AuditEventResolvers = { ...jsonFields };

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
    // What is published is the event as stored (src/plugins/app/events.ts).
    resolve: (payload: { auditEventAdded: AuditEventRecord }) => toAuditEventView(payload.auditEventAdded),
  },
};
