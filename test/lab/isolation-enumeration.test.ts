// Tenant isolation, enumerated from the API's own descriptions: every Query field, every field of Swarm, every
// Mutation field (GraphQL schema) and every /v1 route with every method (the OpenAPI document the gateway serves) is
// called by another tenant's admin with the victim's ids in every id-like argument and path parameter. Each call
// targeting a victim object must be refused (NOT_FOUND, FORBIDDEN, or BAD_INPUT for a shape that cannot be filled), no
// call may succeed in changing anything, and no answer (body or headers) may hold a victim identifier the caller did
// not send itself. A field or route added later is enumerated too, so one that leaks fails this test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import {
  getNamedType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import pg from 'pg';
import type { DockerNode } from '../../src/docker/types.ts';
import { bearer } from '../helpers/tokens.ts';
import { dockerFor, labEngine } from '../helpers/lab.ts';
import { dataOf, gql } from '../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../helpers/red-blue.ts';
import {
  fillJson,
  graphqlSchema,
  openApiOperations,
  selectionOf,
  urlOf,
  type JsonSchema,
  type OpenApiOperation,
} from '../helpers/api-surface.ts';

/** The codes a call aimed at another tenant's object may be refused with. */
const REFUSALS = new Set(['NOT_FOUND', 'FORBIDDEN', 'BAD_INPUT']);

/** What the attacker knows of the victim: the refs it puts in arguments and paths, by kind. */
interface VictimRefs {
  swarm: string[];
  node: string[];
  service: string[];
  job: string[];
  operationId: string[];
  tenant: string[];
  actor: string[];
  url: string[];
}

interface Victim {
  refs: VictimRefs;
  /** Every identifier of the victim that must never reach the attacker (unless it sent it). */
  identifiers: string[];
}

const SERVICE_NAME = `isoenum-${Date.now().toString(36)}`;
const VICTIM_NODE = 'alpha-w1';
const REASON = 'isolation enumeration';

let lab: RedBlue;
let db: pg.Client;
let docker: Docker;
let victim: Victim;
let serviceId = '';

interface NodeState {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  labels: Record<string, string>;
}

async function victimNodes(): Promise<NodeState[]> {
  const nodes = (await docker.listNodes()) as DockerNode[];
  return nodes
    .map((node) => ({
      id: node.ID,
      hostname: node.Description?.Hostname ?? '',
      role: node.Spec.Role ?? '',
      availability: node.Spec.Availability ?? '',
      labels: node.Spec.Labels ?? {},
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function victimServices(): Promise<{ id: string; name: string; version: number }[]> {
  const services = await docker.listServices();
  return services
    .map((service) => ({
      id: service.ID,
      name: service.Spec?.Name ?? '',
      version: service.Version?.Index ?? 0,
    }))
    .filter((service) => service.name === SERVICE_NAME);
}

before(async () => {
  lab = await setupRedBlue();
  db = new pg.Client({ connectionString: lab.subject.db.url });
  await db.connect();
  docker = dockerFor(labEngine(lab.inventory, 'alpha-m1'));
  // The victim (tenant red, swarm alpha) gets a service and jobs of its own; blue (swarm beta) attacks.
  const created = await docker.createService({
    Name: SERVICE_NAME,
    TaskTemplate: { ContainerSpec: { Image: 'swarmgate/probe:1' } },
    Mode: { Replicated: { Replicas: 0 } },
  });
  serviceId = (created as { id?: string; ID?: string }).id ?? (created as { ID?: string }).ID ?? '';
  assert.ok(serviceId, 'the victim service was created');

  const labels = async (input: Record<string, unknown>) =>
    dataOf(
      await gql<{ updateNodeLabels: { id: string; state: string } }>(
        lab.app,
        lab.tokens.redAdmin,
        'mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { id state } }',
        { input: { swarm: 'alpha', node: VICTIM_NODE, reason: REASON, ...input } },
      ),
    ).updateNodeLabels;
  const added = await labels({ add: [{ key: 'isoenum', value: '1' }] });
  const removed = await labels({ remove: ['isoenum'] });

  const seen = dataOf(
    await gql<{
      swarm: {
        id: string;
        clusterId: string | null;
        endpoints: string[];
        info: { nodeId: string; nodeAddress: string; clusterId: string | null } | null;
        nodes: {
          items: { id: string; hostname: string; address: string | null; managerAddress: string | null }[];
        };
      };
      auditEvents: { items: { id: string; operationId: string }[] };
    }>(
      lab.app,
      lab.tokens.redAdmin,
      `{ swarm(id: "alpha") { id clusterId endpoints info { nodeId nodeAddress clusterId }
           nodes(first: 50) { items { id hostname address managerAddress } } }
         auditEvents(first: 5) { items { id operationId } } }`,
    ),
  );
  const nodes = seen.swarm.nodes.items;
  const target = nodes.find((node) => node.hostname === VICTIM_NODE);
  assert.ok(target, `${VICTIM_NODE} is a node of alpha`);
  const engine = labEngine(lab.inventory, VICTIM_NODE);
  const auditIds = seen.auditEvents.items.flatMap((event) => [event.id, event.operationId]);
  assert.ok(auditIds.length > 0, 'the victim has audit events');

  victim = {
    refs: {
      swarm: [lab.alpha.id, lab.alpha.name],
      node: [target.id, target.hostname],
      service: [serviceId, SERVICE_NAME],
      job: [added.id, removed.id],
      operationId: [seen.auditEvents.items[0]!.operationId],
      tenant: ['red'],
      actor: ['red-admin'],
      url: [engine.tlsEndpoint],
    },
    identifiers: [
      lab.alpha.id,
      lab.alpha.name,
      ...(seen.swarm.clusterId ? [seen.swarm.clusterId] : []),
      ...seen.swarm.endpoints,
      ...nodes.flatMap((node) => [node.id, node.hostname, node.address ?? '', node.managerAddress ?? '']),
      ...lab.inventory.engines.filter((e) => e.swarm === 'alpha').map((e) => e.address),
      serviceId,
      SERVICE_NAME,
      added.id,
      removed.id,
      ...auditIds,
      'red-admin',
    ].filter((identifier) => identifier.length >= 5),
  };
});

after(async () => {
  if (serviceId)
    await docker
      .getService(serviceId)
      .remove()
      .catch(() => undefined);
  await db?.end();
  await lab?.subject.close();
});

// ---------------------------------------------------------------- filling arguments with the victim's refs

/** The kind of victim ref a field of this name takes, or null when it is not id-like. */
function refKind(name: string, parent: string): keyof VictimRefs | null {
  if (name === 'swarm') return 'swarm';
  if (name === 'node') return 'node';
  if (name === 'service') return 'service';
  if (name === 'id' && /job/i.test(parent)) return 'job';
  // continueMaintenance, resumeMaintenance: the maintenance job.
  if (name === 'job') return 'job';
  if (name === 'id' && /swarm/i.test(parent)) return 'swarm';
  if (name === 'operationId') return 'operationId';
  if (name === 'tenant') return 'tenant';
  if (name === 'actor') return 'actor';
  if (name === 'url') return 'url';
  if (name === 'ref') return parent === 'service' ? 'service' : 'node';
  return null;
}

/** Which ref of each kind a call uses: one call per alternative (by id, by name...). */
type Choice = Partial<Record<keyof VictimRefs, number>> & { ownSwarm?: boolean };

function refFor(kind: keyof VictimRefs, choice: Choice): string {
  if (kind === 'swarm' && choice.ownSwarm) return lab.beta.name;
  const refs = victim.refs[kind];
  return refs[Math.min(choice[kind] ?? 0, refs.length - 1)]!;
}

/** A scalar for a required non-ref field: valid enough that only the victim's refs decide the answer. */
function plainScalar(name: string, typeName: string, enumValues: readonly string[]): unknown {
  if (enumValues.length > 0) return enumValues[0];
  if (['Int', 'Float', 'integer', 'number'].includes(typeName)) return 1;
  if (typeName === 'Boolean' || typeName === 'boolean') return false;
  if (name === 'reason') return REASON;
  if (name === 'name') return SERVICE_NAME;
  if (name === 'image') return 'swarmgate/probe:1';
  if (typeName === 'DateTime') return '2026-01-01T00:00:00Z';
  return 'x';
}

/** A GraphQL input value: required fields, plus every optional id-like field, filled with the victim's refs. */
function victimInput(
  type: GraphQLInputType,
  name: string,
  parent: string,
  choice: Choice,
  depth = 0,
): unknown {
  if (isNonNullType(type)) return victimInput(type.ofType, name, parent, choice, depth);
  if (isListType(type)) return [victimInput(type.ofType, name, parent, choice, depth + 1)];
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      const idLike = refKind(field.name, type.name) !== null && isLeafType(getNamedType(field.type));
      if ((required || idLike || field.name === 'reason') && depth < 6)
        out[field.name] = victimInput(field.type, field.name, type.name, choice, depth + 1);
    }
    return out;
  }
  const kind = refKind(name, parent);
  if (kind) return refFor(kind, choice);
  const values = 'getValues' in type ? type.getValues().map((value) => value.name) : [];
  return plainScalar(name, type.name, values);
}

/** The kinds of refs an argument list reaches (to know which alternatives to try). */
function kindsIn(type: GraphQLInputType, name: string, parent: string, depth = 0): Set<keyof VictimRefs> {
  const kinds = new Set<keyof VictimRefs>();
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return kindsIn(inner.ofType, name, parent, depth + 1);
  if (isInputObjectType(inner)) {
    if (depth > 6) return kinds;
    for (const field of Object.values(inner.getFields()))
      for (const kind of kindsIn(field.type, field.name, inner.name, depth + 1)) kinds.add(kind);
    return kinds;
  }
  const kind = refKind(name, parent);
  if (kind) kinds.add(kind);
  return kinds;
}

/** One choice per alternative ref of each kind present, and the own-swarm cross variant when there is a node or service. */
function choicesFor(kinds: Set<keyof VictimRefs>): Choice[] {
  const choices: Choice[] = [{}];
  for (const kind of kinds) {
    for (let index = 1; index < victim.refs[kind].length; index += 1) choices.push({ [kind]: index });
  }
  if (kinds.has('swarm') && (kinds.has('node') || kinds.has('service'))) {
    choices.push({ ownSwarm: true });
    choices.push({ ownSwarm: true, node: 1, service: 1 });
  }
  return choices;
}

// ---------------------------------------------------------------- calling and judging

interface Call {
  door: 'graphql' | 'rest';
  what: string;
  /** A call aimed at a victim object (or any mutation): it must be refused. */
  mustRefuse: boolean;
  /** GraphQL: where the refused field's value sits in `data` (default: the root field). */
  dataPath?: string[];
  /**
   * The answer lists the attacker's own history (its jobs, its audit log): identifiers it sent in earlier calls may
   * come back. Each call's own audit rows are checked against what that call sent.
   */
  historical?: boolean;
  /**
   * The call names the attacker's own swarm with a victim's node or service: a success is tolerated when it names
   * nothing of the victim's (removeService is idempotent: a service that is not there is "already gone"); the jobs
   * such calls start are checked at the end.
   */
  ownSwarm?: boolean;
  request: { method: string; url: string; payload?: string };
}

const calls: string[] = [];
const covered = new Set<string>();
const problems: string[] = [];
const tolerated: string[] = [];
/** Everything the attacker has sent so far. */
let sentSoFar = '';

function leaksIn(answer: string, sent: string): string[] {
  return [...new Set(victim.identifiers)].filter(
    (identifier) => !sent.includes(identifier) && answer.includes(identifier),
  );
}

async function run(call: Call): Promise<void> {
  const requestId = randomUUID();
  const response = await lab.app.inject({
    method: call.request.method as 'GET',
    url: call.request.url,
    headers: {
      ...bearer(lab.tokens.blueAdmin),
      'x-request-id': requestId,
      ...(call.request.payload ? { 'content-type': 'application/json' } : {}),
    },
    ...(call.request.payload === undefined ? {} : { payload: call.request.payload }),
  });
  calls.push(call.what);
  const sent = `${call.request.url}\n${call.request.payload ?? ''}`;
  sentSoFar += `\n${sent}`;
  const where = `${call.what} → ${response.statusCode} ${response.body.slice(0, 400)}`;
  const leaked = leaksIn(
    `${response.body}\n${JSON.stringify(response.headers)}`,
    call.historical ? sentSoFar : sent,
  );
  if (leaked.length > 0) problems.push(`${where}\n    LEAKS ${leaked.join(', ')}`);
  // What the call left in the attacker's audit log names nothing of the victim's it was not given.
  const rows = await db.query<{ body: string }>(
    'SELECT row_to_json(a)::text AS body FROM audit_events a WHERE request_id = $1',
    [requestId],
  );
  const audited = leaksIn(rows.rows.map((row) => row.body).join('\n'), sent);
  if (audited.length > 0) problems.push(`${where}\n    ITS AUDIT ROWS LEAK ${audited.join(', ')}`);
  if (response.statusCode >= 500) problems.push(`${where}\n    a 5xx`);
  if (!call.mustRefuse) return;
  if (call.ownSwarm && response.statusCode < 300 && !response.body.includes('"errors"')) {
    tolerated.push(call.what);
    return;
  }
  if (call.door === 'rest') {
    const code = safeJson<{ code?: string }>(response.body)?.code;
    if (response.statusCode < 400 || !code || !REFUSALS.has(code))
      problems.push(`${where}\n    not refused with NOT_FOUND, FORBIDDEN or BAD_INPUT`);
    if (response.headers.location)
      problems.push(`${where}\n    a Location header: ${String(response.headers.location)}`);
    return;
  }
  const body = safeJson<{
    data?: Record<string, unknown> | null;
    errors?: { extensions?: { code?: string } }[];
  }>(response.body);
  const codes = (body?.errors ?? []).map((error) => error.extensions?.code ?? 'NONE');
  let value: unknown = body?.data ?? null;
  for (const step of call.dataPath ?? []) value = (value as Record<string, unknown> | null)?.[step] ?? null;
  const answered = call.dataPath
    ? value !== null
    : Object.values(body?.data ?? {}).some((inner) => inner !== null);
  if (codes.length === 0 || answered || codes.some((code) => !REFUSALS.has(code)))
    problems.push(`${where}\n    not refused with NOT_FOUND, FORBIDDEN or BAD_INPUT`);
}

function safeJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Literal arguments for nested fields of a selection: Swarm.node(ref) and Swarm.service(ref) get victim refs. */
function nestedArgs(choice: Choice) {
  return (field: GraphQLField<unknown, unknown>): string | null => {
    const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
    const parts = required.map((arg) => {
      const kind = refKind(arg.name, field.name);
      return `${arg.name}: ${JSON.stringify(kind ? refFor(kind, choice) : 'x')}`;
    });
    // Lists ask for one item: enough to show what an item holds, within the query cost limit.
    if (field.args.some((arg) => arg.name === 'first')) parts.push('first: 1');
    return parts.length > 0 ? `(${parts.join(', ')})` : null;
  };
}

function graphqlCall(
  schema: GraphQLSchema,
  operation: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  choice: Choice,
  mustRefuse: boolean,
): Call {
  // Required arguments, filters (input objects) and id-like ones: `first`, `after`... keep their defaults.
  const args = field.args.filter(
    (arg) =>
      isNonNullType(arg.type) ||
      isInputObjectType(getNamedType(arg.type)) ||
      refKind(arg.name, field.name) !== null,
  );
  const definitions = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const call = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const variables = Object.fromEntries(
    args.map((arg) => [arg.name, victimInput(arg.type, arg.name, field.name, choice)]),
  );
  const named = getNamedType(field.type);
  const selection = isLeafType(named) ? '' : selectionOf(schema, named.name, 2, nestedArgs(choice));
  const query = `${operation}${definitions ? ` (${definitions})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selection} }`;
  return {
    door: 'graphql',
    what: `graphql ${operation} ${field.name} ${JSON.stringify(choice)}`,
    mustRefuse,
    historical: /^(jobs|auditEvents|auditIntegrity)$/.test(field.name),
    ownSwarm: choice.ownSwarm === true,
    request: { method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }) },
  };
}

/** The victim's refs for each path parameter and query parameter, and a body filled likewise. */
function restCall(operation: OpenApiOperation, choice: Choice): Call {
  const params: Record<string, string> = {};
  const query: string[] = [];
  for (const parameter of operation.parameters) {
    const kind = refKind(parameter.name, operation.path.includes('/jobs') ? 'job' : operation.operationId);
    if (parameter.in === 'path') params[parameter.name] = kind ? refFor(kind, choice) : 'x';
    else if (parameter.in === 'query' && kind)
      query.push(`${parameter.name}=${encodeURIComponent(refFor(kind, choice))}`);
    else if (parameter.in === 'query' && parameter.name === 'reason')
      query.push(`reason=${encodeURIComponent(REASON)}`);
  }
  const body = operation.body ? restBody(operation.body, choice) : undefined;
  const hasPathRef = /\{\w+\}/.test(operation.path);
  return {
    door: 'rest',
    what: `rest ${operation.method} ${operation.path} ${JSON.stringify(choice)}`,
    mustRefuse: hasPathRef || operation.method !== 'GET',
    historical: /^\/v1\/(jobs|audit)/.test(operation.path) && !hasPathRef,
    ownSwarm: choice.ownSwarm === true,
    request: {
      method: operation.method,
      url: urlOf(operation, params, query.length > 0 ? { query: query.join('&') } : {}),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    },
  };
}

function restBody(schema: JsonSchema, choice: Choice): unknown {
  const walk = (current: JsonSchema, name: string, parent: string, depth: number): unknown => {
    const type = Array.isArray(current.type) ? current.type.find((t) => t !== 'null') : current.type;
    if (type === 'object' && current.properties && depth < 6) {
      const out: Record<string, unknown> = {};
      for (const [property, inner] of Object.entries(current.properties)) {
        const required = current.required?.includes(property) ?? false;
        if (required || refKind(property, parent) !== null || property === 'reason')
          out[property] = walk(inner, property, name, depth + 1);
      }
      return out;
    }
    if (type === 'array' && current.items) return [walk(current.items, name, parent, depth + 1)];
    const kind = refKind(name, parent);
    if (kind && (type === 'string' || type === undefined)) return refFor(kind, choice);
    return fillJson(current, name, plainScalar);
  };
  return walk(schema, 'body', 'body', 0);
}

// ---------------------------------------------------------------- the test

test("another tenant's admin gets nothing of the victim from any field or route, and changes nothing", async () => {
  const schema = graphqlSchema();
  const nodesBefore = await victimNodes();
  const servicesBefore = await victimServices();
  const victimAuditBefore = await victimAuditCount();
  const attackerJobsBefore = await jobsOf('blue');
  const victimJobsBefore = await jobsOf('red');

  // GraphQL: every Query field. A field taking a victim ref in an argument must be refused; the others (lists,
  // filters) may answer, with nothing of the victim's.
  for (const field of Object.values(schema.getQueryType()!.getFields()) as GraphQLField<unknown, unknown>[]) {
    const kinds = new Set<keyof VictimRefs>();
    for (const arg of field.args) for (const kind of kindsIn(arg.type, arg.name, field.name)) kinds.add(kind);
    const targeted = field.args.some(
      (arg) => isNonNullType(arg.type) && refKind(arg.name, field.name) !== null,
    );
    for (const choice of choicesFor(kinds)) await run(graphqlCall(schema, 'query', field, choice, targeted));
    covered.add(`Query.${field.name}`);
  }

  // Every field of Swarm: through the victim's swarm (refused), and through the attacker's own swarm with the
  // victim's node and service refs (a node or service of another swarm is NOT_FOUND; the rest is the attacker's).
  const swarmType = schema.getType('Swarm');
  assert.ok(swarmType && 'getFields' in swarmType);
  for (const field of Object.values(swarmType.getFields()) as GraphQLField<unknown, unknown>[]) {
    for (const choice of [
      {},
      { swarm: 1 },
      { ownSwarm: true },
      { ownSwarm: true, node: 1, service: 1 },
    ] as Choice[]) {
      const named = getNamedType(field.type);
      const args = nestedArgs(choice)(field) ?? '';
      const selection = isLeafType(named) ? '' : selectionOf(schema, named.name, 2, nestedArgs(choice));
      const takesRef = field.args.some(
        (arg) => refKind(arg.name, field.name) !== null && isNonNullType(arg.type),
      );
      const query = `query ($id: String!) { swarm(id: $id) { ${field.name}${args} ${selection} } }`;
      await run({
        door: 'graphql',
        what: `graphql Swarm.${field.name} ${JSON.stringify(choice)}`,
        mustRefuse: !choice.ownSwarm || takesRef,
        ...(choice.ownSwarm ? { dataPath: ['swarm', field.name] } : {}),
        request: {
          method: 'POST',
          url: '/graphql',
          payload: JSON.stringify({ query, variables: { id: refFor('swarm', choice) } }),
        },
      });
    }
    covered.add(`Swarm.${field.name}`);
  }

  // Every Mutation field, with every alternative ref: all refused.
  for (const field of Object.values(schema.getMutationType()!.getFields()) as GraphQLField<
    unknown,
    unknown
  >[]) {
    const kinds = new Set<keyof VictimRefs>();
    for (const arg of field.args) for (const kind of kindsIn(arg.type, arg.name, field.name)) kinds.add(kind);
    for (const choice of choicesFor(kinds)) await run(graphqlCall(schema, 'mutation', field, choice, true));
    covered.add(`Mutation.${field.name}`);
  }

  // REST: every /v1 route with every method, from the OpenAPI document the gateway serves.
  const document = (await lab.app.inject({ method: 'GET', url: '/openapi.json' })).json<unknown>();
  const operations = openApiOperations(document);
  for (const operation of operations) {
    const kinds = new Set<keyof VictimRefs>();
    for (const parameter of operation.parameters) {
      const kind = refKind(parameter.name, operation.path.includes('/jobs') ? 'job' : operation.operationId);
      if (kind) kinds.add(kind);
    }
    if (operation.body) for (const kind of ['swarm', 'node', 'service', 'url'] as const) kinds.add(kind);
    for (const choice of choicesFor(kinds)) {
      // The attacker's own swarm only stands in for the victim's where a node or service of the victim is named.
      if (choice.ownSwarm && !/\{(node|service)\}/.test(operation.path)) continue;
      await run(restCall(operation, choice));
    }
    covered.add(`${operation.method} ${operation.path}`);
  }

  // Everything was enumerated, and called.
  const queryFields = Object.keys(schema.getQueryType()!.getFields());
  const mutationFields = Object.keys(schema.getMutationType()!.getFields());
  const swarmFields = Object.keys(swarmType.getFields());
  for (const name of queryFields) assert.ok(covered.has(`Query.${name}`), `Query.${name} was not called`);
  for (const name of mutationFields)
    assert.ok(covered.has(`Mutation.${name}`), `Mutation.${name} was not called`);
  for (const name of swarmFields) assert.ok(covered.has(`Swarm.${name}`), `Swarm.${name} was not called`);
  assert.ok(operations.length >= 30, `${operations.length} REST operations in the OpenAPI document`);
  const expectedMinimum =
    queryFields.length + mutationFields.length + 4 * swarmFields.length + operations.length;
  assert.ok(
    calls.length >= expectedMinimum,
    `${calls.length} calls made, at least ${expectedMinimum} expected`,
  );
  console.log(
    `${calls.length} calls: ${queryFields.length} Query fields, ${swarmFields.length} Swarm fields, ` +
      `${mutationFields.length} Mutation fields, ${operations.length} REST operations`,
  );

  assert.deepEqual(
    problems,
    [],
    `${problems.length} of ${calls.length} calls failed:\n${problems.join('\n')}`,
  );

  // The victim's swarm, service and audit log are as they were.
  assert.deepEqual(await victimNodes(), nodesBefore, "the victim's nodes changed");
  assert.deepEqual(await victimServices(), servicesBefore, "the victim's service changed");
  const written = await db.query<{
    action: string;
    phase: string;
    principal_sub: string;
    request_id: string;
  }>(
    "SELECT action, phase, principal_sub, request_id FROM audit_events WHERE tenant = 'red' ORDER BY seq OFFSET $1",
    [victimAuditBefore],
  );
  assert.deepEqual(written.rows, [], "events were written to the victim's audit log");
  const started = await db.query<{ type: string; removed: string | null }>(
    "SELECT type, result->>'removed' AS removed FROM jobs WHERE tenant = 'blue' ORDER BY created_at OFFSET $1",
    [attackerJobsBefore],
  );
  for (const job of started.rows) {
    assert.deepEqual(
      job,
      { type: 'service.remove', removed: 'false' },
      'a job of the attacker did something',
    );
  }
  if (tolerated.length > 0)
    console.log(`successes on the attacker's own swarm, touching nothing: ${tolerated.join('; ')}`);
  assert.equal(await jobsOf('red'), victimJobsBefore, "a job was started in the victim's tenant");
  const registered = dataOf(
    await gql<{ swarm: { id: string; name: string; tenant: string } }>(
      lab.app,
      lab.tokens.redViewer,
      '{ swarm(id: "alpha") { id name tenant } }',
    ),
  );
  assert.deepEqual(registered.swarm, { id: lab.alpha.id, name: 'alpha', tenant: 'red' });
});

async function victimAuditCount(): Promise<number> {
  const result = await db.query<{ count: string }>("SELECT count(*) FROM audit_events WHERE tenant = 'red'");
  return Number(result.rows[0]!.count);
}

async function jobsOf(tenant: string): Promise<number> {
  const result = await db.query<{ count: string }>('SELECT count(*) FROM jobs WHERE tenant = $1', [tenant]);
  return Number(result.rows[0]!.count);
}
