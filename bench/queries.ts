// The gateway requests the benchmark sends: REST paths and GraphQL documents selecting the same fields the REST
// views hold, so both doors serve the same data.

const NODE_FIELDS = `id hostname role availability state statusMessage address leader managerStatus managerAddress
  engineVersion platform { os architecture } resources { cpus nanoCpus memoryBytes } labels { key value }
  engineLabels { key value } version createdAt updatedAt`;
const SERVICE_FIELDS = `id name mode replicas runningTasks desiredTasks image
  updateStatus { state message startedAt completedAt }
  ports { protocol targetPort publishedPort publishMode } labels { key value } constraints version createdAt updatedAt`;
const TASK_FIELDS = `id slot state desiredState message error image containerId exitCode timestamp version createdAt
  updatedAt`;

/** The largest page the gateway serves: whole lists up to 1,000 items, as Docker answers them. */
export const PAGE = 1000;

export const restNodes = (swarm: string) => `/v1/swarms/${swarm}/nodes?first=${PAGE}`;
export const restServices = (swarm: string) => `/v1/swarms/${swarm}/services?first=${PAGE}`;
export const restTasks = (swarm: string, service?: string) =>
  `/v1/swarms/${swarm}/tasks?first=${PAGE}${service ? `&service=${encodeURIComponent(service)}` : ''}`;

const compact = (document: string) => document.replaceAll(/\s+/g, ' ').trim();

export const graphqlNodes = (swarm: string) =>
  compact(`{ swarm(id: "${swarm}") { nodes(first: ${PAGE}) { totalCount items { ${NODE_FIELDS} } } } }`);
export const graphqlServices = (swarm: string) =>
  compact(
    `{ swarm(id: "${swarm}") { services(first: ${PAGE}) { totalCount items { ${SERVICE_FIELDS} } } } }`,
  );
export const graphqlTasks = (swarm: string, service?: string) =>
  compact(
    `{ swarm(id: "${swarm}") { tasks(first: ${PAGE}${service ? `, filter: { service: "${service}" }` : ''}) ` +
      `{ totalCount items { ${TASK_FIELDS} } } } }`,
  );

/**
 * The depth bomb of issue 11: tasks → service → tasks → node → tasks ..., `levels` pairs deep (160 bytes took a
 * gateway without bounds 4.6 s and 1 GB over 30 tasks). `[<id>]` in a comment makes each request's document new
 * (the load generator replaces it), so no parse or validation is served from mercurius's caches.
 */
export const depthBomb = (swarm: string, levels = 6) => {
  let selection = 'id';
  for (let level = 0; level < levels; level += 1)
    selection = `node { tasks { service { tasks { ${selection} } } } }`;
  return `# [<id>]\n{ swarm(id: "${swarm}") { tasks { items { ${selection} } } } }`;
};

/** One swarm read under `count` aliases (issue 11: 2,000 aliases cost 200x one read), new each request too. */
export const aliasBomb = (swarm: string, count = 2000) => {
  const reads = Array.from({ length: count }, (_, index) => `a${index}: swarm(id: "${swarm}") { id name }`);
  return `# [<id>]\n{ ${reads.join(' ')} }`;
};

export type ListKind = 'nodes' | 'services' | 'tasks';

/** Items of a REST page, a GraphQL answer or a Docker list; throws when the answer is an error. */
export function itemsOf(kind: ListKind, door: 'REST' | 'GraphQL' | 'Docker API', body: unknown): number {
  if (door === 'Docker API') {
    if (!Array.isArray(body)) throw new Error(`Docker answered ${JSON.stringify(body).slice(0, 300)}`);
    return body.length;
  }
  if (door === 'REST') {
    const page = body as { items?: unknown[] };
    if (!Array.isArray(page.items)) throw new Error(`REST answered ${JSON.stringify(body).slice(0, 300)}`);
    return page.items.length;
  }
  const answer = body as {
    data?: { swarm?: Record<string, { items: unknown[] } | null> | null };
    errors?: unknown;
  };
  const list = answer.data?.swarm?.[kind];
  if (answer.errors || !list) throw new Error(`GraphQL answered ${JSON.stringify(body).slice(0, 300)}`);
  return list.items.length;
}
