// Properties every /v1 route must have, checked on the app's own route table so a new route cannot skip them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { SwarmRecord } from '../../../../src/registry/repository.ts';
import { buildTestApp, type TestApp } from '../../../helper.ts';
import {
  assertProblem,
  assertUnauthenticated,
  bearer,
  claimsFor,
  signToken,
} from '../../../helpers/tokens.ts';

interface Route {
  method: string;
  path: string;
}

/** Every route of the app, from fastify's printed route tree (the only public view of the router). */
function routeTable(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (depth === 0 ? '' : parents[depth - 1]!) + match[2]!;
    parents[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, path });
  }
  return routes;
}

const v1Routes = (app: FastifyInstance) =>
  routeTable(app).filter((route) => route.path.startsWith('/v1/') && route.method !== 'HEAD');

const fill = (path: string, swarm: string) =>
  path.replace(':swarm', encodeURIComponent(swarm)).replace(/:(\w+)/g, 'some-$1');

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  minItems?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** The smallest value a JSON Schema accepts: required properties only, first enum value, minimum... */
function exampleOf(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((name) => [name, exampleOf(schema.properties?.[name] ?? {})]),
      );
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items ?? {}));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return false;
    default:
      return 'x';
  }
}

/** A body the route's own schema accepts, so a refusal is about who asks, not what is sent. */
const validBody = (app: FastifyInstance, route: Route) => {
  if (route.method !== 'POST' && route.method !== 'PATCH' && route.method !== 'PUT') return undefined;
  const document = app.swagger() as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
    >;
  };
  const operation = document.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
  const schema = operation?.requestBody?.content?.['application/json']?.schema;
  return schema ? exampleOf(schema) : {};
};

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('every /v1 route', () => {
  let subject: TestApp;
  let routes: Route[];
  let theirs: SwarmRecord;
  const ours = bearer(signToken(claimsFor({ tenant: 'acme', roles: ['admin'] })));

  before(async () => {
    subject = await buildTestApp();
    routes = v1Routes(subject.app);
    const other = await subject.app.registry.ensureTenant('globex');
    theirs = await subject.app.registry.insertSwarm({
      tenantId: other.id,
      name: 'prod',
      clusterId: 'cluster-of-prod',
      labels: {},
      endpoints: [{ url: 'unix:///nonexistent' }],
    });
  });
  after(() => subject.close());

  test('the route table holds the read API, the registry mutations and the audit log', () => {
    const listed = routes.map((route) => `${route.method} ${route.path}`);
    for (const expected of [
      'GET /v1/me',
      'GET /v1/swarms',
      'POST /v1/swarms',
      'GET /v1/swarms/:swarm',
      'PATCH /v1/swarms/:swarm',
      'DELETE /v1/swarms/:swarm',
      'GET /v1/swarms/:swarm/status',
      'GET /v1/swarms/:swarm/info',
      'GET /v1/swarms/:swarm/quorum',
      'GET /v1/swarms/:swarm/join-tokens',
      'GET /v1/swarms/:swarm/nodes',
      'GET /v1/swarms/:swarm/nodes/:node',
      'GET /v1/swarms/:swarm/services',
      'GET /v1/swarms/:swarm/services/:service',
      'GET /v1/swarms/:swarm/tasks',
      'GET /v1/audit',
      'GET /v1/audit/integrity',
    ]) {
      assert.ok(listed.includes(expected), `${expected} is missing from ${listed.join(', ')}`);
    }
  });

  test('answers 401 UNAUTHENTICATED problem+json with a Bearer challenge without a token, before reading the body', async () => {
    for (const route of routes) {
      const response = await subject.app.inject({
        method: route.method as 'GET',
        url: fill(route.path, 'anything'),
        // No body at all: the 401 must come before body validation would answer 400.
      });
      assertUnauthenticated(response, /bearer token/);
      assert.match(String(response.headers['www-authenticate']), /^Bearer /, `${route.method} ${route.path}`);
    }
  });

  test('answers 401 to a token that does not verify', async () => {
    const forged = signToken(claimsFor({ roles: ['platform-admin'] }), {
      key: 'not-the-gateway-secret-0123456789',
    });
    for (const route of routes) {
      const response = await subject.app.inject({
        method: route.method as 'GET',
        url: fill(route.path, 'anything'),
        headers: bearer(forged),
      });
      assertUnauthenticated(response, /signature/, forged);
    }
  });

  test("answers 404 NOT_FOUND for another tenant's swarm, by name and by id, without calling its engines", async () => {
    const swarmRoutes = routes.filter((route) => route.path.includes(':swarm'));
    assert.ok(swarmRoutes.length >= 12);
    for (const route of swarmRoutes) {
      for (const ref of [theirs.name, theirs.id]) {
        const body = validBody(subject.app, route);
        const response = await subject.app.inject({
          method: route.method as 'GET',
          url: fill(route.path, ref),
          headers: ours,
          ...(body ? { payload: body } : {}),
        });
        assertProblem(response, { status: 404, code: 'NOT_FOUND', detail: /swarm ".+" was not found/ });
        assert.ok(!response.body.includes('globex'), `${route.method} ${route.path} names the other tenant`);
      }
    }
    assert.equal(subject.app.swarmClients.callCounts().get(theirs.name), undefined);
    const still = await subject.app.registry.findSwarm('globex', theirs.id);
    assert.equal(still?.name, 'prod', 'PATCH or DELETE changed the other tenant’s swarm');
  });

  test('answers 404 NOT_FOUND for a swarm that does not exist', async () => {
    for (const route of routes.filter((r) => r.path.includes(':swarm'))) {
      const body = validBody(subject.app, route);
      const response = await subject.app.inject({
        method: route.method as 'GET',
        url: fill(route.path, 'no-such-swarm'),
        headers: ours,
        ...(body ? { payload: body } : {}),
      });
      assertProblem(response, {
        status: 404,
        code: 'NOT_FOUND',
        detail: /swarm "no-such-swarm" was not found/,
      });
    }
  });

  test('a path the API does not have is 404 NOT_FOUND problem+json, and 401 without a token', async () => {
    assertProblem(await subject.app.inject({ method: 'GET', url: '/v1/swarmz', headers: ours }), {
      status: 404,
      code: 'NOT_FOUND',
      detail: /there is no GET \/v1\/swarmz in this API/,
    });
    assertUnauthenticated(await subject.app.inject({ method: 'GET', url: '/v1/swarmz' }));
  });

  test('is documented in /openapi.json with tags, a summary, bearer security and a schema for every status', async () => {
    const response = await subject.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json<OpenApiDocument>();
    for (const route of routes) {
      const where = `${route.method} ${route.path}`;
      const operation = doc.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
      assert.ok(operation, `${where} is not in the OpenAPI document`);
      assert.ok(operation.tags?.length, `${where} has no tag`);
      assert.ok(operation.summary, `${where} has no summary`);
      assert.ok(operation.operationId, `${where} has no operationId`);
      assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${where} does not declare bearerAuth`);
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((status) => status.startsWith('2')),
        `${where} documents no success`,
      );
      for (const status of ['401', '500']) assert.ok(statuses.includes(status), `${where} lacks ${status}`);
      if (route.path.includes(':swarm')) assert.ok(statuses.includes('404'), `${where} lacks 404`);
      if (route.method !== 'GET') assert.ok(statuses.includes('403'), `${where} lacks 403`);
      if (operation.requestBody || operation.parameters?.some((p) => p.in === 'query')) {
        assert.ok(statuses.includes('400'), `${where} takes input but lacks 400`);
      }
      for (const [status, answer] of Object.entries(operation.responses)) {
        // A success is JSON, except a stream's (service logs: text/plain or application/x-ndjson), which names its
        // media types; an error is always a problem document.
        const media = status.startsWith('2')
          ? (Object.keys(answer.content ?? {}).find(
              (type) => type !== 'application/json' && where.endsWith('/logs'),
            ) ?? 'application/json')
          : 'application/problem+json';
        const schema = answer.content?.[media]?.schema;
        assert.ok(schema && Object.keys(schema).length > 0, `${where} ${status} has no ${media} schema`);
        assert.ok(answer.description, `${where} ${status} has no description`);
      }
      for (const parameter of operation.parameters ?? []) {
        assert.ok(parameter.schema, `${where} parameter ${parameter.name} has no schema`);
      }
    }
  });
});

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        tags?: string[];
        summary?: string;
        operationId?: string;
        security?: unknown;
        requestBody?: unknown;
        parameters?: { name: string; in: string; schema?: unknown }[];
        responses: Record<
          string,
          { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }
        >;
      }
    >
  >;
}
