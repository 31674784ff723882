// Decorates the instance with `events`: publish/subscribe through Redis, shared by GraphQL subscriptions and the
// worker, so an event published by any process reaches subscribers on every gateway instance.
import type { EventEmitter } from 'node:events';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { MQEmitter } from 'mqemitter';
import mqemitterRedis from 'mqemitter-redis';

declare module 'fastify' {
  interface FastifyInstance {
    events: {
      /** Mercurius's subscription emitter. */
      emitter: MQEmitter;
      /** Publishes as mercurius's PubSub does ({ topic, payload }). */
      publish(topic: string, payload: Record<string, unknown>): void;
    };
  }
}

export interface EventsPluginOptions {
  redisUrl: string;
}

export const auditTopic = (tenant: string) => `audit/${tenant}`;
/** Every tenant's audit events (platform-admin). */
export const ALL_AUDIT_TOPICS = 'audit/+';
export const jobTopic = (jobId: string) => `job/${jobId}`;

export default fp<EventsPluginOptions>(
  (app, options, done) => {
    // Our own connections, so that closing never waits on a Redis that is away (quit would wait for it).
    const redisOptions = {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    };
    const subConn = new Redis(options.redisUrl, redisOptions);
    const pubConn = new Redis(options.redisUrl, redisOptions);
    const emitter = mqemitterRedis({ subConn, pubConn });
    // mqemitter-redis reports Redis failures on an untyped `state` emitter; unheard, they would crash the process.
    (emitter as unknown as { state: EventEmitter }).state.on('error', (error: Error) =>
      app.log.warn({ err: error }, 'pub/sub: Redis problem'),
    );
    app.decorate('events', {
      emitter,
      publish(topic: string, payload: Record<string, unknown>) {
        emitter.emit({ topic, payload }, (error?: Error) => {
          if (error) app.log.warn({ err: error, topic }, 'pub/sub: publish failed');
        });
      },
    });
    // Audit events, wherever they are written, reach the subscribers of their tenant.
    app.audit.onAppended((event) => app.events.publish(auditTopic(event.tenant), { auditEventAdded: event }));
    app.addHook('onClose', (_instance, closed) => {
      subConn.disconnect();
      pubConn.disconnect();
      closed();
    });
    done();
  },
  { name: 'events', dependencies: ['audit'] },
);
