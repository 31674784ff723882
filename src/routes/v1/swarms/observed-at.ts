// The `observedAt` field of the swarm view and status: when a manager last confirmed the gateway's state of it.

const OBSERVED_AT_DESCRIPTION =
  "When a manager last confirmed the gateway's state of this swarm, which its events keep current and node, " +
  'service and task reads are served from; old while no manager can be watched (reads then ask the managers). ' +
  'null when the gateway keeps no state (SWARMGATE_CACHE off) or has not synced it yet';

/** A view schema with `observedAt` added (the shared schema stays as it is for the views that lack it). */
export function withObservedAt<
  S extends { required: readonly string[]; properties: Record<string, unknown> },
>(schema: S, startsWatching: boolean) {
  return {
    ...schema,
    required: [...schema.required, 'observedAt'],
    properties: {
      ...schema.properties,
      observedAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: startsWatching
          ? `${OBSERVED_AT_DESCRIPTION}. Asking starts watching the swarm, as a node read does.`
          : `${OBSERVED_AT_DESCRIPTION}, or when nothing reads the swarm lately.`,
      },
    },
  };
}
