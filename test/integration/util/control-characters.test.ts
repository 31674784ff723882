// Engine texts holding control characters are cleaned before job and audit rows are written, and neither the problem
// document's `instance` nor the request log lines echo a query string. The character rules themselves are in
// test/unit/util/, the doors refusing them in test/lab/util/control-characters.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../../src/app.ts';
import { GatewayError } from '../../../src/errors.ts';
import { endJob } from '../../../src/jobs/end-job.ts';
import { runOperation } from '../../../src/operations/pipeline.ts';
import { buildTestApp, createTestDatabase, testConfig, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';

describe('engine texts are cleaned before they are stored', () => {
  let subject: TestApp;
  let db: pg.Client;
  before(async () => {
    subject = await buildTestApp({ SWARMGATE_WORKER: 'off' });
    db = new pg.Client({ connectionString: subject.db.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await subject?.close();
  });

  const HOSTILE = 'engine said \u0000 \u001b[31mred\u001b[0m \u0085 \ud800 and \udc00 end';
  const CLEANED = 'engine said \ufffd \ufffd[31mred\ufffd[0m \ufffd \ufffd and \ufffd end';
  const ctx = {
    principal: { sub: 'alice', tenant: 'acme', roles: ['admin'] as const, actors: [] },
    source: 'graphql' as const,
    requestId: randomUUID(),
  };

  test('an operation that fails with an engine message holding NUL gets its outcome event', async () => {
    const app = subject.app;
    const operation = runOperation({ audit: app.audit, log: app.log }, ctx, {
      action: 'node.labels.update',
      parameters: { add: [{ key: 'k', value: 'v' }] },
      locate: () =>
        Promise.resolve({
          tenant: 'acme',
          target: { swarmName: 'alpha', nodeId: 'n\u0000', nodeName: `host${HOSTILE}`, [`x\u0000`]: HOSTILE },
        }),
      execute: () => Promise.reject(new GatewayError('SWARM_UNREACHABLE', HOSTILE)),
    });
    await assert.rejects(operation, (error: GatewayError) => error.code === 'SWARM_UNREACHABLE');
    const rows = await db.query<{ phase: string; error_message: string | null; node_name: string }>(
      'SELECT phase, error_message, node_name FROM audit_events WHERE request_id = $1 ORDER BY tenant_seq',
      [ctx.requestId],
    );
    assert.deepEqual(
      rows.rows.map((row) => row.phase),
      ['requested', 'failed'],
    );
    assert.equal(rows.rows[1]!.error_message, CLEANED);
    assert.equal(rows.rows[1]!.node_name, `host${CLEANED}`);
    const [report] = await app.audit.verify('acme');
    assert.equal(report?.ok, true, JSON.stringify(report));
  });

  test('a job whose engine texts hold NUL ends, with its outcome event, and its row holds them cleaned', async () => {
    const app = subject.app;
    const { job } = await app.jobs.repository.create({
      tenant: 'acme',
      type: 'node.drain',
      swarmId: null,
      swarmName: `alpha${HOSTILE}`,
      target: { swarmName: `alpha${HOSTILE}`, nodeName: HOSTILE },
      input: { node: `n${HOSTILE}`, [`k${HOSTILE}`]: 1 },
      reason: `why${HOSTILE}`,
      forced: false,
      operationId: randomUUID(),
      ctx,
      idempotencyKey: `key${HOSTILE}`,
    });
    await app.jobs.repository.markRunning(job.id);
    await app.jobs.repository.learnTarget(job.id, { nodeId: `id${HOSTILE}`, nodeName: HOSTILE });
    await app.jobs.repository.progress(job.id, { percent: 50, step: HOSTILE, message: HOSTILE });
    await endJob(
      { jobs: app.jobs.repository, audit: app.audit, publishJob: () => undefined },
      job,
      'failed',
      {
        errorCode: 'SWARM_UNREACHABLE',
        errorMessage: HOSTILE,
        result: { [HOSTILE]: [HOSTILE] },
        target: { serviceName: HOSTILE },
      },
    );
    const ended = await app.jobs.repository.get(job.id);
    assert.equal(ended?.state, 'failed');
    assert.equal(ended?.errorMessage, CLEANED);
    assert.equal(ended?.progress.message, CLEANED);
    assert.deepEqual(ended?.result, { [CLEANED]: [CLEANED] });
    assert.equal(ended?.target.nodeName, CLEANED);
    const outcome = await db.query<{ phase: string; error_message: string; target: Record<string, unknown> }>(
      'SELECT phase, error_message, target FROM audit_events WHERE job_id = $1',
      [job.id],
    );
    assert.equal(outcome.rows.length, 1, 'the job has its outcome event');
    assert.equal(outcome.rows[0]!.phase, 'failed');
    assert.equal(outcome.rows[0]!.error_message, CLEANED);
    assert.equal(outcome.rows[0]!.target.serviceName, CLEANED);
    const [report] = await app.audit.verify('acme');
    assert.equal(report?.ok, true, JSON.stringify(report));
  });
});

describe('no query string is echoed', () => {
  const SECRET = signToken(claimsFor({ sub: 'secret-holder' }));
  let subject: TestApp;
  before(async () => {
    subject = await buildTestApp({ SWARMGATE_WORKER: 'off' });
  });
  after(async () => {
    await subject?.close();
  });

  test("the problem document's instance is the path alone, whatever answered", async () => {
    const token = signToken(claimsFor({ tenant: 'red', roles: ['admin'] }));
    for (const [url, status] of [
      ['/v1/swarms/nope', 404],
      ['/v1/no-such-route', 404],
      ['/no-such-route', 404],
      ['/v1/swarms/%ff', 400],
      [`/v1/swarms/${'a'.repeat(300)}`, 400],
      ['/v1/swarms?first=oops', 400],
    ] as const) {
      const response = await subject.app.inject({
        method: 'GET',
        url: `${url}${url.includes('?') ? '&' : '?'}access_token=${SECRET}`,
        headers: bearer(token),
      });
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const body = response.json<{ instance: string; code: string }>();
      assert.equal(body.instance, url.split('?')[0]);
      assert.ok(['NOT_FOUND', 'BAD_INPUT'].includes(body.code), body.code);
      for (const part of SECRET.split('.')) assert.ok(!response.body.includes(part), response.body);
    }
  });

  test('request log lines carry the path without the query string', async () => {
    const db = await createTestDatabase();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line.trim() !== ''),
        );
        done();
      },
    });
    const config = testConfig({
      SWARMGATE_QUEUE_PREFIX: db.name,
      DATABASE_URL: db.url,
      SWARMGATE_WORKER: 'off',
    });
    const app = await buildApp(config, { databaseUrl: db.url, logger: { level: 'debug', stream } });
    try {
      await app.ready();
      for (const url of ['/healthz', '/v1/swarms', '/graphql', '/nope']) {
        await app.inject({ method: 'GET', url: `${url}?access_token=${SECRET}` });
      }
      const incoming = lines
        .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } })
        .filter((line) => line.msg === 'incoming request');
      assert.deepEqual(
        incoming.map((line) => line.req?.url),
        ['/healthz', '/v1/swarms', '/graphql', '/nope'],
      );
      for (const part of SECRET.split('.')) {
        assert.ok(!lines.some((line) => line.includes(part)), 'a log line holds the token');
      }
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
