// Security headers (issue 11): every answer of the HTTP API carries them, refusals included; the pages (GraphiQL,
// Swagger UI) get the full set with the strict policy that test/integration/browser-pages.test.ts checks in a browser.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

let subject: TestApp;
const token = signToken(claimsFor({ sub: 'hanna', tenant: 'red', roles: ['viewer'] }));

before(async () => {
  subject = await buildTestApp();
});
after(async () => {
  await subject?.close();
});

const API_HEADERS = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000',
  'cross-origin-resource-policy': 'same-origin',
};

test('API answers carry the API headers, refusals and unknown paths included', async () => {
  const requests = [
    {
      method: 'POST' as const,
      url: '/graphql',
      headers: bearer(token),
      payload: { query: '{ me { sub } }' },
    },
    { method: 'POST' as const, url: '/graphql', payload: { query: '{ me { sub } }' } },
    { method: 'GET' as const, url: '/v1/swarms', headers: bearer(token) },
    { method: 'GET' as const, url: '/v1/swarms' },
    { method: 'GET' as const, url: '/nowhere' },
    { method: 'GET' as const, url: '/openapi.json' },
  ];
  for (const request of requests) {
    const answer = await subject.app.inject(request);
    for (const [name, value] of Object.entries(API_HEADERS)) {
      assert.equal(
        answer.headers[name],
        value,
        `${request.method} ${request.url} (${answer.statusCode}): ${name}`,
      );
    }
  }
});

test('GraphiQL and Swagger UI pages get the strict page policy: nothing from another origin', async () => {
  for (const url of ['/graphiql', '/graphiql/assets/graphiql.min.js', '/docs/static/index.html', '/docs']) {
    const answer = await subject.app.inject({ method: 'GET', url });
    assert.ok(answer.statusCode < 400, `${url}: ${answer.statusCode}`);
    const csp = String(answer.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/, url);
    assert.match(csp, /script-src 'self';/, url);
    assert.match(csp, /style-src 'self';/, url);
    assert.match(csp, /frame-ancestors 'none'/, url);
    assert.doesNotMatch(csp, /https?:|\*|unsafe-inline|unsafe-eval/, url);
    assert.equal(answer.headers['x-frame-options'], 'DENY', url);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer', url);
  }
  const page = await subject.app.inject({ method: 'GET', url: '/graphiql' });
  // No inline script: every script is a file of the gateway.
  assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/);
  assert.doesNotMatch(page.body, /https?:\/\//);
  const missing = await subject.app.inject({ method: 'GET', url: '/graphiql/assets/..%2Fpackage.json' });
  assert.equal(missing.statusCode, 404);
});
