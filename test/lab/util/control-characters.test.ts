// Control characters (NUL above all) and lone surrogates: refused as BAD_INPUT naming the field at both doors before
// anything is audited; engine texts cleaned before job and audit rows are written; the problem document's `instance`
// and the request log lines never echo a query string.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../../src/app.ts';
import { GatewayError } from '../../../src/errors.ts';
import { endJob } from '../../../src/jobs/end-job.ts';
import { runOperation } from '../../../src/operations/pipeline.ts';
import {
  cleanJson,
  cleanText,
  findRefusedCharacter,
  isCleanText,
} from '../../../src/util/control-characters.ts';
import { buildTestApp, createTestDatabase, testConfig, type TestApp } from '../../helper.ts';
import { bearer, claimsFor, signToken } from '../../helpers/tokens.ts';
import { gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

/** Every character refused, with its name in the answer. */
const REFUSED: [string, string][] = [
  ['\u0000', 'U+0000 (NUL)'],
  ['\u0001', 'U+0001'],
  ['\u0007', 'U+0007 (BEL)'],
  ['\u0008', 'U+0008 (BS)'],
  ['\u000b', 'U+000B (VT)'],
  ['\u000c', 'U+000C (FF)'],
  ['\u001b', 'U+001B (ESC)'],
  ['\u001f', 'U+001F'],
  ['\u007f', 'U+007F (DEL)'],
  ['\u0080', 'U+0080'],
  ['\u0085', 'U+0085'],
  ['\u009f', 'U+009F'],
  ['\ud800', 'U+D800'],
  ['\udfff', 'U+DFFF'],
];

describe('the character rules', () => {
  test('control characters but tab, LF and CR, DEL, C1 and lone surrogates are refused; the rest passes', () => {
    for (const [character] of REFUSED) {
      assert.equal(isCleanText(`a${character}b`), false, JSON.stringify(character));
      assert.equal(isCleanText(cleanText(`a${character}b`)), true);
      assert.equal(cleanText(`a${character}b`), 'a\ufffdb', 'replaced, never removed');
    }
    for (const text of [
      'tab\there',
      'lines\r\nand\nmore',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'emoji 🐳 (a surrogate pair)',
      'RTL \u202e override, zero\u200bwidth, NBSP\u00a0, é and e\u0301',
      '',
    ]) {
      assert.equal(isCleanText(text), true, JSON.stringify(text));
      assert.equal(cleanText(text), text);
    }
  });

  test('the path names the field, keys included, and the walk has no depth limit', () => {
    assert.deepEqual(findRefusedCharacter({ add: [{ key: 'k', value: 'v\u0000' }] }, 'body'), {
      path: 'body.add[0].value',
      character: '\u0000',
    });
    assert.deepEqual(findRefusedCharacter({ labels: { 'bad\u0007key': 'v' } }, 'body'), {
      path: 'body.labels.bad\\u0007key',
      character: '\u0007',
    });
    assert.equal(findRefusedCharacter({ a: ['x', 1, true, null, { b: 'ok\n' }] }, 'body'), null);
    let deep: unknown = 'end\u0000';
    for (let level = 0; level < 10_000; level += 1) deep = [deep];
    assert.equal(findRefusedCharacter(deep, 'body')?.path, `body${'[0]'.repeat(10_000)}`);
  });

  test('cleanJson cleans every string and key and leaves clean values as they are', () => {
    const clean = { a: ['x', { b: 1 }] };
    assert.equal(cleanJson(clean), clean);
    assert.deepEqual(cleanJson({ 'k\u0000': ['v\u001b[31m', { n: '\ud800' }], ok: 2 }), {
      'k\ufffd': ['v\ufffd[31m', { n: '\ufffd' }],
      ok: 2,
    });
  });
});

describe('both doors refuse them before anything is audited', () => {
  let lab: RedBlue;
  let db: pg.Client;
  before(async () => {
    lab = await setupRedBlue();
    db = new pg.Client({ connectionString: lab.subject.db.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await lab?.subject.close();
  });

  const counts = async () => {
    const result = await db.query<{ audit: string; jobs: string; swarms: string }>(
      `SELECT (SELECT count(*) FROM audit_events) AS audit, (SELECT count(*) FROM jobs) AS jobs,
              (SELECT count(*) FROM swarms) AS swarms`,
    );
    return result.rows[0]!;
  };

  function assertRefused(response: LightMyRequestResponse, field: string, name: string) {
    assert.equal(response.statusCode, 400, response.body);
    const body = response.json<{ code: string; detail: string; details: { field: string } }>();
    assert.equal(body.code, 'BAD_INPUT');
    assert.equal(body.details.field, field);
    assert.ok(body.detail.startsWith(`${field} holds ${name}`), body.detail);
  }

  test('REST: a NUL in a label value is 400 BAD_INPUT naming the field, and nothing is written', async () => {
    const before = await counts();
    const response = await lab.app.inject({
      method: 'PATCH',
      url: '/v1/swarms/alpha/nodes/no-such-node/labels',
      headers: bearer(lab.tokens.redAdmin),
      payload: { add: [{ key: 'env', value: 'a\u0000b' }], reason: 'test' },
    });
    assertRefused(response, 'body.add[0].value', 'U+0000 (NUL)');
    assert.deepEqual(await counts(), before, 'no audit row, no job');
  });

  test('REST: every refused character, in the body, a key, a path parameter and the query string', async () => {
    const before = await counts();
    for (const [character, name] of REFUSED) {
      const surrogate = character >= '\ud800' && character <= '\udfff';
      const cases: {
        method: 'PATCH' | 'GET';
        url: string;
        payload?: Record<string, unknown>;
        field: string;
      }[] = [
        {
          method: 'PATCH',
          url: '/v1/swarms/alpha/nodes/no-such-node/labels',
          payload: { add: [{ key: 'env', value: 'ok' }], reason: `why${character}` },
          field: 'body.reason',
        },
        {
          method: 'PATCH',
          url: '/v1/swarms/alpha/nodes/no-such-node/labels',
          payload: { add: [{ key: 'env', value: 'ok', [`x${character}`]: 'v' }] },
          field: `body.add[0].x\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
        },
        {
          method: 'PATCH',
          url: '/v1/swarms/alpha/nodes/no-such-node/labels',
          payload: { remove: ['a', `b${character}`] },
          field: 'body.remove[1]',
        },
      ];
      // A lone surrogate cannot be percent-encoded as UTF-8: only the others go in the URL.
      if (!surrogate) {
        const label = encodeURIComponent(character);
        cases.push(
          { method: 'GET', url: `/v1/swarms/alpha${label}/nodes`, field: 'params.swarm' },
          { method: 'GET', url: `/v1/swarms/alpha/nodes?hostname=a${label}`, field: 'querystring.hostname' },
        );
      }
      for (const request of cases) {
        const response = await lab.app.inject({
          method: request.method,
          url: request.url,
          headers: bearer(lab.tokens.redAdmin),
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        });
        assertRefused(response, request.field, name);
      }
    }
    assert.deepEqual(await counts(), before);
  });

  test('REST: tabs and line breaks pass the check (a reason of several lines)', async () => {
    const response = await lab.app.inject({
      method: 'PATCH',
      url: '/v1/swarms/alpha/nodes/no-such-node/labels',
      headers: bearer(lab.tokens.redAdmin),
      payload: { add: [{ key: 'env', value: 'a\tb' }], reason: 'first line\r\nsecond\tline' },
    });
    // Past the check: refused later, by the operation, as a node that does not exist.
    assert.equal(response.json<{ code: string }>().code, 'NOT_FOUND', response.body);
  });

  test('GraphQL: literals, variables (POST and GET) and defaults are refused naming the argument', async () => {
    const before = await counts();
    const LABELS = `mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { id } }`;
    for (const [character, name] of REFUSED) {
      const escaped = `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
      // GraphQL's lexer refuses a lone surrogate's escape in a literal itself (a syntax error, BAD_INPUT as well).
      const surrogate = character >= '\ud800' && character <= '\udfff';
      const cases: { query: string; variables?: Record<string, unknown>; field: string }[] = [
        {
          query: `mutation { updateNodeLabels(input: { swarm: "alpha", node: "no-such-node", add: [{ key: "env", value: "a${escaped}" }] }) { id } }`,
          field: 'input.add[0].value',
        },
        {
          query: `mutation { updateNodeLabels(input: { swarm: "alpha", node: "no-such-node", remove: ["a", "b${escaped}"], reason: "r" }) { id } }`,
          field: 'input.remove[1]',
        },
        { query: `{ swarm(id: "alpha${escaped}") { id } }`, field: 'id' },
        {
          query: `query ($id: String! = "x${escaped}") { swarm(id: $id) { id } }`,
          field: '$id',
        },
        {
          query: LABELS,
          variables: { input: { swarm: 'alpha', node: 'no-such-node', reason: `why${character}`, add: [] } },
          field: '$input.reason',
        },
        {
          query: 'query ($id: String!) { swarm(id: $id) { node(ref: "no-such-node") { id } } }',
          variables: { id: `alpha${character}` },
          field: '$id',
        },
      ];
      for (const request of cases) {
        const answer = await gql(lab.app, lab.tokens.redAdmin, request.query, request.variables ?? {});
        assert.equal(answer.status, 400, JSON.stringify(answer));
        assert.equal(answer.errors?.length, 1, JSON.stringify(answer.errors));
        assert.equal(answer.errors[0]!.extensions.code, 'BAD_INPUT');
        if (surrogate && request.variables === undefined)
          assert.match(answer.errors[0]!.message, /^Syntax Error: Invalid Unicode escape sequence/);
        else
          assert.ok(
            answer.errors[0]!.message.startsWith(`${request.field} holds ${name}`),
            answer.errors[0]!.message,
          );
      }
    }
    const viaGet = await lab.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('query ($id: String!) { swarm(id: $id) { id } }')}&variables=${encodeURIComponent(JSON.stringify({ id: 'a\u0000' }))}`,
      headers: bearer(lab.tokens.redAdmin),
    });
    assert.equal(viaGet.statusCode, 400, viaGet.body);
    assert.match(viaGet.body, /\$id holds U\+0000 \(NUL\)/);
    assert.deepEqual(await counts(), before, 'no audit row, no job');
  });

  test('GraphQL: a document of several lines with tabs is fine, and so is a reason with line breaks', async () => {
    const answer = await gql(
      lab.app,
      lab.tokens.redAdmin,
      'mutation ($input: UpdateNodeLabelsInput!) {\n\tupdateNodeLabels(input: $input) {\r\n\t\tid\n\t}\n}',
      {
        input: {
          swarm: 'alpha',
          node: 'no-such-node',
          reason: 'one\ntwo\tthree',
          add: [{ key: 'k', value: 'v' }],
        },
      },
    );
    assert.equal(answer.errors?.[0]?.extensions.code, 'NOT_FOUND', JSON.stringify(answer.errors));
  });

  test('GraphQL: a subscription over WebSocket is refused too, by variable and by literal', async () => {
    const address = await lab.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (lab.app.server.address() as AddressInfo).port;
    assert.ok(address);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, ['graphql-transport-ws'], {
      headers: bearer(lab.tokens.redViewer),
    });
    try {
      const messages: { type: string; id?: string; payload?: unknown }[] = [];
      const arrived = (type: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ${type}: ${JSON.stringify(messages)}`)),
            10_000,
          );
          const check = () => {
            if (messages.some((message) => message.type === type)) {
              clearTimeout(timer);
              resolve();
            } else setTimeout(check, 20);
          };
          check();
        });
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as never));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await arrived('connection_ack');
      socket.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: {
            query: 'subscription ($swarm: String!) { swarmEvents(swarm: $swarm) { type } }',
            variables: { swarm: 'alpha\u0000' },
          },
        }),
      );
      const errorOf = async (id: string) => {
        await arrived('error');
        const deadline = Date.now() + 10_000;
        while (!messages.some((message) => message.type === 'error' && message.id === id)) {
          assert.ok(Date.now() < deadline, `no error for subscription ${id}: ${JSON.stringify(messages)}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return JSON.stringify(messages.find((message) => message.type === 'error' && message.id === id));
      };
      const variable = await errorOf('1');
      assert.match(variable, /swarm holds U\+0000 \(NUL\)/);
      assert.match(variable, /BAD_INPUT/);
      // A literal of the document: the validation rules run for subscriptions too (src/graphql/index.ts).
      socket.send(
        JSON.stringify({
          id: '2',
          type: 'subscribe',
          payload: { query: 'subscription { swarmEvents(swarm: "alpha\\u0000") { type } }' },
        }),
      );
      const literal = await errorOf('2');
      assert.match(literal, /swarm holds U\+0000 \(NUL\)/);
      assert.match(literal, /BAD_INPUT/);
    } finally {
      socket.terminate();
    }
  });
});

/** The part of the `ws` client used here (the package ships no types; it comes with mercurius). */
interface WebSocketClient extends EventEmitter {
  send(data: string): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  address: string,
  protocols: string[],
  options?: { headers?: Record<string, string> },
) => WebSocketClient;

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
