// GraphQL documents that tests of more than one tier send or read (no gateway needed to import them).

/**
 * The depth bomb of issue 11: tasks → service → tasks → node → tasks ... (depth 16). The gateway refuses it
 * (test/lab/graphql/limits.test.ts); selectionDepthOf reads the same depth from its text (test/unit/graphql/).
 */
export const DEPTH_BOMB = `{ swarm(id: "alpha") { tasks { items { service { tasks { node { tasks { service { tasks { node {
  tasks { service { tasks { node { tasks { id } } } } } } } } } } } } } } } }`;
