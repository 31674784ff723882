// The live state: Swarm.observedAt and the swarmEvents subscription.
import { requireRole } from '../../auth/authorize.ts';
import { notFound } from '../../errors.ts';
import { tenantScope } from '../../queries/swarm-reads.ts';
import { swarmEventsTopic, type SwarmEvent } from '../../state/swarm-events.ts';
import type { SubscriptionResolvers, SwarmResolvers } from '../generated/types.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';

export const swarmStateFields: Pick<SwarmResolvers, 'observedAt'> = {
  observedAt: (swarm, _args, { reads }) => reads.observedAt(swarm),
};

export const stateSubscriptions: Pick<SubscriptionResolvers<SubscriptionContext>, 'swarmEvents'> = {
  swarmEvents: {
    subscribe: async (_root, { swarm: ref }, context) => {
      const principal = await subscriberOf(context);
      requireRole(principal, 'viewer', 'watch swarm events');
      // Resolved in the subscriber's tenant, as swarm(id) is: another tenant's swarm is NOT_FOUND.
      const swarm = await context.app.registry.findSwarm(tenantScope(principal), ref);
      if (!swarm) throw notFound('swarm', ref);
      const events = (await context.pubsub.subscribe(swarmEventsTopic(swarm.id))) as AsyncIterable<{
        swarmEvents: SwarmEvent;
      }>;
      // Someone must watch the swarm for its events to be published: this instance does while subscribed.
      try {
        return releasing(events, await context.app.swarmState.retain(swarm));
      } catch (error) {
        await events[Symbol.asyncIterator]().return?.();
        throw error;
      }
    },
  },
};

/**
 * The subscription's events; `release` runs once when it ends. An async generator would not do: its return() waits
 * for the pending next(), that is for one more event, before it could release anything.
 */
function releasing<T>(events: AsyncIterable<T>, release: () => void): AsyncIterableIterator<T> {
  const source = events[Symbol.asyncIterator]();
  return {
    next: async () => {
      const result = await source.next();
      if (result.done) release();
      return result;
    },
    return: async (value?: unknown) => {
      release();
      return source.return ? source.return(value) : { done: true, value: undefined };
    },
    throw: async (error?: unknown) => {
      release();
      if (source.throw) return source.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
