// Decorates the instance with `swarmClients`: one SwarmClient per registered swarm, built from its stored endpoints.
import fp from 'fastify-plugin';
import { storedEndpointRefusal } from '../../docker/endpoint-policy.ts';
import { SwarmClient, type DockerCallEvent } from '../../docker/swarm-client.ts';
import type { SwarmRecord } from '../../registry/repository.ts';

declare module 'fastify' {
  interface FastifyInstance {
    swarmClients: SwarmClients;
  }
}

export interface SwarmClientsOptions {
  timeoutMs: number;
}

export interface SwarmClients {
  /** The client of a registered swarm; rebuilt when the registration changed. */
  clientFor(swarm: SwarmRecord): Promise<SwarmClient>;
  /** Drops a cached client (after unregistering or updating). */
  forget(swarmId: string): void;
  /** Docker API calls made so far, by swarm name (the tests and the metrics read this). */
  callCounts(): Map<string, number>;
  /** Subscribes to every Docker call; returns the unsubscribe function. */
  onCall(listener: (event: DockerCallEvent) => void): () => void;
}

export default fp<SwarmClientsOptions>(
  (app, options, done) => {
    const cache = new Map<string, { stamp: number; client: Promise<SwarmClient> }>();
    const counts = new Map<string, number>();
    const listeners = new Set<(event: DockerCallEvent) => void>();

    const emit = (event: DockerCallEvent) => {
      counts.set(event.swarm, (counts.get(event.swarm) ?? 0) + 1);
      app.metrics.dockerCall(event.swarm, event.endpoint, event.operation, event.ok, event.durationMs);
      for (const listener of listeners) listener(event);
    };

    const swarmClients: SwarmClients = {
      clientFor(swarm) {
        const stamp = swarm.updatedAt.getTime();
        const cached = cache.get(swarm.id);
        if (cached && cached.stamp === stamp) return cached.client;
        const client = app.registry.endpointsOf(swarm.id).then(
          (endpoints) =>
            new SwarmClient(swarm.name, endpoints, {
              timeoutMs: options.timeoutMs,
              onCall: emit,
              refusalOf: storedEndpointRefusal,
            }),
        );
        // A failed build (database away) must not stay cached.
        client.catch(() => cache.delete(swarm.id));
        cache.set(swarm.id, { stamp, client });
        return client;
      },
      forget(swarmId) {
        cache.delete(swarmId);
      },
      callCounts: () => new Map(counts),
      onCall(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    app.decorate('swarmClients', swarmClients);
    done();
  },
  { name: 'swarm-clients', dependencies: ['registry', 'metrics'] },
);
