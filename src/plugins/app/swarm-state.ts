// Decorates the instance with `swarmState`: the event-fed state of the swarms being read, and the publisher of their
// Docker events to swarmEvents subscribers on every instance (through Redis, each event once).
import fp from 'fastify-plugin';
import type { DockerEventMessage } from '../../docker/swarm-client.ts';
import type { SwarmRecord } from '../../registry/repository.ts';
import { attachStateStore, SwarmStateStore } from '../../state/state-store.ts';
import { swarmEventIdentity, swarmEventsTopic, toSwarmEvent } from '../../state/swarm-events.ts';

declare module 'fastify' {
  interface FastifyInstance {
    swarmState: SwarmStateStore;
  }
}

export interface SwarmStatePluginOptions {
  /** SWARMGATE_CACHE: reads of nodes, services and tasks come from the state. */
  enabled: boolean;
  tasksRefreshMs: number;
  checkMs: number;
  idleMs: number;
  /** The Docker call time-out. */
  timeoutMs: number;
}

/** Docker calls that change what the state keeps (src/docker/writes.ts names them so). */
const WRITES: Record<string, 'nodes' | 'services'> = {
  'node.update': 'nodes',
  'node.remove': 'nodes',
  'service.create': 'services',
  'service.update': 'services',
  'service.remove': 'services',
};

/** How long an event stays claimed: longer than any replay after a reconnection (REPLAY_WINDOW_S). */
const CLAIM_TTL_MS = 10 * 60_000;

export default fp<SwarmStatePluginOptions>(
  (app, options, done) => {
    /**
     * Every instance that watches a swarm sees each of its events; the first to claim the event in Redis publishes
     * it, so a subscriber on any instance gets it once, whichever instances watch (and a reconnection's replay of
     * events already published is not published again).
     */
    const publishOnce = (swarm: SwarmRecord, message: DockerEventMessage) => {
      const event = toSwarmEvent(swarm.id, message);
      if (!event) return;
      const publish = () => app.events.publish(swarmEventsTopic(swarm.id), { swarmEvents: event });
      app.redis
        .set(`swarmgate:swarm-event:${swarmEventIdentity(swarm.id, message)}`, '1', 'PX', CLAIM_TTL_MS, 'NX')
        .then(
          (claimed) => {
            if (claimed === 'OK') publish();
          },
          (error: unknown) => {
            // Redis refused the claim: publishing anyway risks a duplicate, not publishing loses the event.
            app.log.warn(
              { err: error, swarm: swarm.name },
              'swarm events: claiming an event in Redis failed',
            );
            publish();
          },
        );
    };

    const store = new SwarmStateStore({
      enabled: options.enabled,
      timing: {
        tasksRefreshMs: options.tasksRefreshMs,
        checkMs: options.checkMs,
        idleMs: options.idleMs,
        timeoutMs: options.timeoutMs,
      },
      swarmClients: app.swarmClients,
      registry: app.registry,
      log: app.log,
      onEvent: publishOnce,
    });
    attachStateStore(app.swarmClients, store);
    // Read your writes: a read right after a write made here shows it, even before the write's events arrive.
    const unsubscribe = app.swarmClients.onCall((call) => {
      const kind = WRITES[call.operation];
      if (kind && call.ok) store.changedByWrite(call.swarm, kind);
    });
    app.decorate('swarmState', store);
    app.metrics.onScrape(() => {
      for (const { swarm, seconds } of store.staleness()) app.metrics.cacheStaleness(swarm, seconds);
      return Promise.resolve();
    });
    app.addHook('onClose', (_instance, closed) => {
      unsubscribe();
      store.close();
      closed();
    });
    done();
  },
  { name: 'swarm-state', dependencies: ['registry', 'swarm-clients', 'events', 'metrics', 'redis'] },
);
