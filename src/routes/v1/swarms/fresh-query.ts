// The `fresh` query parameter of the node, service and task reads (GraphQL's `fresh: true`).

export const freshQueryProperty = {
  fresh: {
    type: 'boolean',
    default: false,
    description:
      "true: ask a manager of the swarm now instead of the gateway's state, which its events keep current " +
      '(see observedAt of GET /v1/swarms/:swarm)',
  },
} as const;
