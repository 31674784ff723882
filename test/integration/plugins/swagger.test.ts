// The OpenAPI document and Swagger UI of the real gateway; the response schemas themselves are checked in
// test/unit/routes/v1/schemas.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ERROR_CATALOGUE, type ErrorCode } from '../../../src/errors.ts';
import { problemSchema } from '../../../src/routes/v1/schemas.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';

/** The codes only jobs end with, as the catalogue says. */
const JOB_ONLY_CODES = new Set(
  (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter((code) => !ERROR_CATALOGUE[code].answers),
);

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('the OpenAPI document and Swagger UI', () => {
  let subject: TestApp;
  before(async () => {
    subject = await buildTestApp();
  });
  after(() => subject.close());

  test('GET /openapi.json is an OpenAPI 3.1 document, served without a token, with the bearerAuth scheme', async () => {
    const response = await subject.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const doc = response.json<{
      openapi: string;
      info: { title: string; version: string };
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'swarmgate');
    assert.equal(doc.info.version, version);
    assert.deepEqual(
      {
        type: doc.components.securitySchemes.bearerAuth?.type,
        scheme: doc.components.securitySchemes.bearerAuth?.scheme,
      },
      { type: 'http', scheme: 'bearer' },
    );
    assert.equal(doc.paths['/healthz']?.get?.security, undefined, 'health probes need no token');
    assert.equal(doc.paths['/graphql'], undefined, 'GraphQL is not a REST operation');
  });

  test('Swagger UI answers at /docs without a token, and its own JSON route serves the same document', async () => {
    const page = await subject.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /swagger/i);
    const uiDoc = await subject.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = await subject.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(uiDoc.statusCode, 200);
    assert.deepEqual(uiDoc.json(), doc.json());
  });

  test('register documents its body as closed and its 201 answer', async () => {
    const doc = (await subject.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>();
    const register = doc.paths['/v1/swarms']?.post as {
      requestBody: {
        content: Record<string, { schema: { additionalProperties: boolean; required: string[] } }>;
      };
      responses: Record<string, unknown>;
    };
    const body = register.requestBody.content['application/json']?.schema;
    assert.equal(body?.additionalProperties, false);
    assert.deepEqual(body?.required, ['name', 'endpoints']);
    assert.ok(register.responses['201']);
    for (const status of ['400', '401', '403', '409', '503']) assert.ok(register.responses[status], status);
  });

  test('no route lists the codes that only end jobs among its answers; the audit event still names them', async () => {
    interface Response {
      content?: Record<string, { schema: { properties: Record<string, { enum?: string[] }> } }>;
    }
    const doc = (await subject.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
    }>();
    let listings = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const codes = response.content?.['application/problem+json']?.schema.properties.code?.enum;
          if (!codes) continue;
          listings += 1;
          for (const code of codes) {
            assert.ok(
              !JOB_ONLY_CODES.has(code as ErrorCode),
              `${method} ${path} lists ${code} under ${status}`,
            );
          }
        }
      }
    }
    assert.ok(listings > 50, `${listings} problem listings checked`);
    assert.deepEqual(
      [...JOB_ONLY_CODES].sort(),
      ['CANCELLED', 'JOB_TIMEOUT', 'UPDATE_PAUSED', 'UPDATE_ROLLED_BACK'],
      'the job-only codes',
    );
    // The codes requests do answer with are still listed: a demote may be refused for quorum, as a conflict.
    const demote = doc.paths['/v1/swarms/{swarm}/nodes/{node}/demote']?.post;
    const conflicts =
      demote?.responses['409']?.content?.['application/problem+json']?.schema.properties.code?.enum;
    for (const code of ['CONFLICT', 'QUORUM_AT_RISK']) assert.ok(conflicts?.includes(code), code);
    assert.ok(!problemSchema.properties.code.enum.some((code) => JOB_ONLY_CODES.has(code)));
    // Where a job's failure shows in REST (its FAILED audit event), the job-only codes are documented.
    const audit = doc.paths['/v1/audit']?.get?.responses['200'] as unknown as {
      content: Record<
        string,
        {
          schema: {
            properties: { items: { items: { properties: { errorCode: { description: string } } } } };
          };
        }
      >;
    };
    const errorCode = audit.content['application/json']?.schema.properties.items.items.properties.errorCode;
    for (const code of JOB_ONLY_CODES) assert.match(errorCode?.description ?? '', new RegExp(code));
  });
});
