import assert from 'node:assert/strict';
import { freePort } from '../../helpers/net.ts';
import { test } from 'node:test';
import { buildTestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

test('/metrics is not public: 404 without the metrics token, Prometheus text with it', async (t) => {
  const subject = await buildTestApp({ SWARMGATE_METRICS_TOKEN: TOKEN });
  t.after(() => subject.close());
  // Some traffic to measure: a GraphQL operation and an audited (refused) mutation.
  await subject.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(signToken(claimsFor())),
    payload: { query: 'query Version { version }', operationName: 'Version' },
  });
  await subject.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(signToken(claimsFor())),
    payload: { query: 'mutation { unregisterSwarm(input: { swarm: "nope" }) { id } }' },
  });
  assert.equal((await subject.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  assert.equal(
    (await subject.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } }))
      .statusCode,
    404,
  );
  const response = await subject.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.statusCode, 200);
  assert.match(
    response.body,
    /swarmgate_http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\}/,
  );
  assert.match(response.body, /swarmgate_graphql_operation_duration_seconds_count\{operation="Version"\} 1/);
  assert.match(response.body, /swarmgate_audit_write_duration_seconds_count\{result="ok"\} 2/);
  assert.match(response.body, /swarmgate_queue_jobs\{state="waiting"\}/);
});

test('/metrics can be served on a port of its own instead', async (t) => {
  const port = await freePort();
  const subject = await buildTestApp({ SWARMGATE_METRICS_PORT: String(port), HOST: '127.0.0.1' });
  t.after(() => subject.close());
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /swarmgate_process_resident_memory_bytes/);
  assert.equal((await subject.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
});
