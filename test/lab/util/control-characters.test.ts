// Control characters (NUL above all) and lone surrogates are refused as BAD_INPUT naming the field at both doors
// (REST and GraphQL, subscriptions included) before anything is audited. The rules as pure functions are in
// test/unit/util/, the cleaning of engine texts and the echo of query strings in test/integration/util/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { gql } from '../../helpers/graphql.ts';
import { REFUSED } from '../../helpers/control-characters.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';
import { bearer } from '../../helpers/tokens.ts';

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
    const socket = await GraphqlWsClient.open(`ws://127.0.0.1:${port}/graphql`, {
      headers: bearer(lab.tokens.redViewer),
    });
    try {
      await socket.init();
      socket.subscribe('1', 'subscription ($swarm: String!) { swarmEvents(swarm: $swarm) { type } }', {
        swarm: 'alpha\u0000',
      });
      const errorOf = async (id: string) =>
        JSON.stringify(await socket.next((message) => message.type === 'error' && message.id === id, 10_000));
      const variable = await errorOf('1');
      assert.match(variable, /swarm holds U\+0000 \(NUL\)/);
      assert.match(variable, /BAD_INPUT/);
      // A literal of the document: the validation rules run for subscriptions too (src/graphql/index.ts).
      socket.subscribe('2', 'subscription { swarmEvents(swarm: "alpha\\u0000") { type } }');
      const literal = await errorOf('2');
      assert.match(literal, /swarm holds U\+0000 \(NUL\)/);
      assert.match(literal, /BAD_INPUT/);
    } finally {
      socket.terminate();
    }
  });
});
