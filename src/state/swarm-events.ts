// Docker's swarm events as the gateway publishes them (GraphQL SwarmEvent), their topic and their identity.
import type { DockerEventMessage } from '../docker/swarm-client.ts';

/** The swarm-scoped object types Docker reports events for (networks: the swarm's own, scope swarm). */
export const SWARM_EVENT_TYPES = ['node', 'service', 'secret', 'config', 'network'] as const;
export type SwarmEventType = (typeof SWARM_EVENT_TYPES)[number];

/** The filters of the watcher's events stream. */
export const SWARM_EVENT_FILTERS = { scope: ['swarm'], type: [...SWARM_EVENT_TYPES] };

export interface SwarmEvent {
  swarmId: string;
  type: SwarmEventType;
  /** create, update or remove. */
  action: string;
  actorId: string;
  /** The object's name (a node's hostname when it has no name), as Docker's `name` attribute says. */
  actorName: string | null;
  /** Docker's attributes (`availability.new`, `state.old`, `replicas.new`...) as JSON. */
  attributes: string;
  /** ISO-8601; Docker's time of the change (for remove: the time the manager saw it). */
  time: string;
}

/** Where the events of a swarm are published (mercurius PubSub topic, fanned out through Redis). */
export const swarmEventsTopic = (swarmId: string) => `swarm/${swarmId}`;

export const isSwarmEventType = (type: string): type is SwarmEventType =>
  (SWARM_EVENT_TYPES as readonly string[]).includes(type);

export function toSwarmEvent(swarmId: string, message: DockerEventMessage): SwarmEvent | null {
  if (!isSwarmEventType(message.Type)) return null;
  const attributes = message.Actor.Attributes ?? {};
  const millis =
    typeof message.timeNano === 'number' && message.timeNano > 0
      ? Math.floor(message.timeNano / 1e6)
      : message.time * 1000;
  return {
    swarmId,
    type: message.Type,
    action: message.Action,
    actorId: message.Actor.ID,
    actorName: attributes.name ?? null,
    attributes: JSON.stringify(attributes),
    time: new Date(millis).toISOString(),
  };
}

/**
 * The same change as every manager reports it: create and update events carry the object's own timestamp, the
 * same on every manager; a remove carries each manager's clock, but an object is removed once.
 */
export function swarmEventIdentity(swarmId: string, message: DockerEventMessage): string {
  const when = message.Action === 'remove' ? '' : String(message.timeNano ?? message.time);
  return [swarmId, message.Type, message.Action, message.Actor.ID, when].join(':');
}
