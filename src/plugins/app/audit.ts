// Decorates the instance with `audit`: the append-only, hash-chained audit log, and a hook for new events.
import fp from 'fastify-plugin';
import { createAuditStore, type AuditStore } from '../../audit/store.ts';
import type { AuditEvent } from '../../audit/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditStore & {
      /** Called after each event is committed (subscriptions publish from here); returns the unsubscribe. */
      onAppended(listener: (event: AuditEvent) => void): () => void;
    };
  }
}

export default fp(
  (app, _options, done) => {
    const listeners = new Set<(event: AuditEvent) => void>();
    const store = createAuditStore(
      app.pg,
      (event) => {
        for (const listener of listeners) {
          try {
            listener(event);
          } catch (error) {
            app.log.warn({ err: error }, 'audit listener failed');
          }
        }
      },
      (durationMs, ok) => app.metrics.auditAppend(durationMs, ok),
    );
    app.decorate('audit', {
      ...store,
      onAppended(listener: (event: AuditEvent) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    done();
  },
  { name: 'audit', dependencies: ['postgres', 'metrics'] },
);
