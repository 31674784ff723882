// Bounded GraphQL (issue 11): depth, alias, token and cost limits refused before execution (QUERY_TOO_COMPLEX, 400),
// a query just under each limit answered, the GET door and subscriptions bounded alike, refusals never kept, the cap
// on answer bytes, introspection off in production, and WebSockets closed when they do not authenticate in time.
// Timing is not asserted here: `npm run bench` measures what the rules cost.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.ts';
import { ANSWER_HEADER } from '../../../src/plugins/app/answer-cache.ts';
import { buildTestApp, testConfig, testLogger, type TestApp } from '../../helper.ts';
import { GraphqlWsClient, type GraphqlWsProtocol } from '../../helpers/graphql-ws.ts';
import { bearer } from '../../helpers/tokens.ts';
import { DEPTH_BOMB } from '../../helpers/graphql-documents.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

let world: RedBlue;
/** A second gateway on the same database: a tiny answer cap, a cost limit out of the way, a short WebSocket wait. */
let loose: FastifyInstance;
let looseUrl: string;
/** A third one as in production (NODE_ENV=production): introspection and GraphiQL off. */
let production: TestApp;
let viewer: string;

const WS_TIMEOUT_MS = 400;
const ANSWER_CAP = 3000;

before(async () => {
  world = await setupRedBlue();
  viewer = world.tokens.redViewer;
  const config = testConfig({
    SWARMGATE_QUEUE_PREFIX: `${world.subject.db.name}-loose`,
    DATABASE_URL: world.subject.db.url,
    SWARMGATE_GRAPHQL_MAX_COST: '100000000',
    SWARMGATE_WS_AUTH_TIMEOUT_MS: String(WS_TIMEOUT_MS),
  });
  // SWARMGATE_GRAPHQL_MAX_ANSWER_MB counts megabytes; the lab's answers are smaller than that.
  config.graphql.maxAnswerBytes = ANSWER_CAP;
  loose = await buildApp(config, { databaseUrl: world.subject.db.url, logger: testLogger() });
  await loose.listen({ host: '127.0.0.1', port: 0 });
  looseUrl = `ws://127.0.0.1:${(loose.server.address() as AddressInfo).port}/graphql`;
  production = await buildTestApp({ NODE_ENV: 'production' }, { database: world.subject.db });
});

after(async () => {
  await production?.close();
  await loose?.close();
  await world?.subject.close();
});

type Errors = { message: string; extensions: { code: string } }[] | undefined;

function assertTooComplex(answer: { status: number; errors: Errors }, message: RegExp): void {
  assert.equal(answer.status, 400, JSON.stringify(answer));
  assert.equal(answer.errors?.length, 1, JSON.stringify(answer.errors));
  assert.equal(answer.errors?.[0]?.extensions.code, TOO_COMPLEX, JSON.stringify(answer.errors));
  assert.match(answer.errors?.[0]?.message ?? '', message);
}

const aliasesOf = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `a${index}: swarm(id: "alpha") { id }`).join(' ')} }`;

test('the depth bomb of the issue is refused before execution, naming the limit', async () => {
  const answer = await gql(world.app, viewer, DEPTH_BOMB);
  assertTooComplex(answer, /^query depth 16 exceeds the limit of 12 \(SWARMGATE_GRAPHQL_MAX_DEPTH\)$/);
  assert.equal(answer.data, null);
});

test('a deep input object in a mutation argument is not taken for a deep query', async () => {
  let value = '"x"';
  for (let i = 0; i < 20; i += 1) value = `{ key: ${value} }`;
  const answer = await gql(world.app, viewer, `mutation { cancelJob(input: ${value}) { id } }`);
  assert.ok(answer.errors?.length, JSON.stringify(answer));
  assert.doesNotMatch(answer.errors?.[0]?.message ?? '', /query depth/);
});

test('a refused document sent again is refused the same way (remembered, not parsed again), by either method', async () => {
  const first = await gql(world.app, viewer, `# again\n${DEPTH_BOMB}`);
  assertTooComplex(first, /^query depth 16 exceeds the limit of 12/);
  for (let i = 0; i < 3; i += 1) {
    assert.deepEqual(await gql(world.app, viewer, `# again\n${DEPTH_BOMB}`), first);
  }
  const get = await world.app.inject({
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent(`# again\n${DEPTH_BOMB}`)}`,
    headers: { authorization: `Bearer ${viewer}` },
  });
  assert.equal(get.statusCode, 400, get.body);
  assert.deepEqual(get.json(), { data: null, errors: first.errors });
  // A document that passes is not remembered as refused.
  const fine = await gql(world.app, viewer, '{ swarm(id: "alpha") { id } }');
  assert.equal(fine.errors, undefined, JSON.stringify(fine.errors));
});

test('2,000 aliases of one swarm read are refused by their length, before they are parsed', async () => {
  const document = aliasesOf(2000);
  assert.ok(document.length > 32 * 1024);
  const answer = await gql(world.app, viewer, document);
  assertTooComplex(
    answer,
    new RegExp(
      `^the query document is ${document.length} characters, over the limit of 32768 ` +
        '\\(SWARMGATE_GRAPHQL_MAX_DOCUMENT_KB\\)',
    ),
  );
  const get = await world.app.inject({
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent(document)}`,
    headers: { authorization: `Bearer ${viewer}` },
  });
  assert.equal(get.statusCode, 400, get.body);
  assert.match(get.body, /SWARMGATE_GRAPHQL_MAX_DOCUMENT_KB/);
});

test('a shorter document of more than 5,000 tokens is cut off by its token count', async () => {
  const document = aliasesOf(1000);
  assert.ok(document.length < 32 * 1024);
  const answer = await gql(world.app, viewer, document);
  assertTooComplex(answer, /more than 5000 tokens/);
});

test('31 aliases are over the alias limit of 30; 30 are answered', async () => {
  assertTooComplex(
    await gql(world.app, viewer, aliasesOf(31)),
    /^the query has 31 aliases, over the limit of 30 \(SWARMGATE_GRAPHQL_MAX_ALIASES\)$/,
  );
  const data = dataOf(await gql<Record<string, { id: string }>>(world.app, viewer, aliasesOf(30)));
  assert.equal(Object.keys(data).length, 30);
  assert.equal(data.a29?.id, world.alpha.id);
});

// swarm 1 + tasks(first: N) × (1 + items 1 + node 1 + Node.tasks 25 × (1 + id 1)) = 1 + 53 N.
const NESTED_LISTS = (first: number | string) =>
  `{ swarm(id: "alpha") { tasks(first: ${first}) { items { node { tasks { id } } } } } }`;

test('nested lists multiply: tasks(first: 1000) over each node’s tasks is over the cost limit; first: 200 passes', async () => {
  assertTooComplex(
    await gql(world.app, viewer, NESTED_LISTS(1000)),
    /^query cost 53001 exceeds the limit of 50000 \(SWARMGATE_GRAPHQL_MAX_COST\)/,
  );
  const data = dataOf(
    await gql<{ swarm: { tasks: { items: unknown[] } } }>(world.app, viewer, NESTED_LISTS(200)),
  );
  assert.ok(Array.isArray(data.swarm.tasks.items));
});

test('a `first` given by a variable is costed with its value, before execution', async () => {
  const query = `query ($first: Int) ${NESTED_LISTS('$first')}`;
  assertTooComplex(await gql(world.app, viewer, query, { first: 1000 }), /^query cost 53001 exceeds/);
  dataOf(await gql(world.app, viewer, query, { first: 200 }));
  // Without the variable, the argument's default (100) counts.
  dataOf(await gql(world.app, viewer, query));
});

test('a list without `first` counts as 25: two of them inside a page are over the cost limit; one is answered', async () => {
  // nodes(first: 100) × (items, tasks 25 × (service, tasks 25 × (id))): 130,201.
  assertTooComplex(
    await gql(
      world.app,
      viewer,
      `{ swarm(id: "alpha") { nodes { items { tasks { service { tasks { id } } } } } } }`,
    ),
    /^query cost 130201 exceeds the limit of 50000/,
  );
  // The nodes with their tasks, every scalar field: 100 × (2 + 7 + 25 × 13) + 1 = 33,401.
  const data = dataOf(
    await gql<{ swarm: { nodes: { items: { tasks: unknown[] }[] } } }>(
      world.app,
      viewer,
      `{ swarm(id: "alpha") { nodes { items { id hostname role availability state leader version tasks {
        id state desiredState slot image message error containerId exitCode version createdAt updatedAt } } } } }`,
    ),
  );
  assert.ok(data.swarm.nodes.items.length > 0);
});

test('depth 12 is answered, depth 13 refused (cost out of the way)', async () => {
  // swarm 1, tasks 2, items 3, node 4, tasks 5, service 6, tasks 7, node 8, tasks 9, service 10, updateStatus 11,
  // state 12.
  const twelve = `{ swarm(id: "alpha") { tasks(first: 1) { items { node { tasks { service { tasks { node { tasks { service {
    updateStatus { state } } } } } } } } } } } }`;
  const answer = await loose.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(viewer),
    payload: { query: twelve },
  });
  assert.equal(answer.statusCode, 200, answer.body);
  assert.equal(answer.json<{ errors?: unknown }>().errors, undefined, answer.body);
  const thirteen = twelve.replace('updateStatus { state }', 'updateStatus { state } tasks { node { id } }');
  const refused = await loose.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(viewer),
    payload: { query: thirteen },
  });
  const body = refused.json<{ errors: Errors }>();
  assertTooComplex(
    { status: refused.statusCode, errors: body.errors },
    /^query depth 13 exceeds the limit of 12/,
  );
});

test('GET /graphql goes through the same rules, and a refusal is never kept', async () => {
  for (let round = 0; round < 2; round++) {
    const answer = await world.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent(DEPTH_BOMB)}`,
      headers: bearer(viewer),
    });
    assert.notEqual(answer.headers[ANSWER_HEADER], 'HIT');
    assertTooComplex(
      { status: answer.statusCode, errors: answer.json<{ errors: Errors }>().errors },
      /^query depth 16 exceeds the limit of 12/,
    );
  }
  const costly = `/graphql?query=${encodeURIComponent(NESTED_LISTS(1000))}`;
  for (let round = 0; round < 2; round++) {
    const answer = await world.app.inject({ method: 'GET', url: costly, headers: bearer(viewer) });
    assert.equal(answer.statusCode, 400, answer.body);
    assert.notEqual(answer.headers[ANSWER_HEADER], 'HIT');
  }
});

test('an answer over the byte cap is replaced by QUERY_TOO_COMPLEX, and not kept', async () => {
  const query = `{ ${Array.from({ length: 30 }, (_, index) => `a${index}: swarm(id: "alpha") { id name tenant clusterId labels { key value } endpoints createdAt updatedAt }`).join(' ')} }`;
  for (let round = 0; round < 2; round++) {
    const answer = await loose.inject({
      method: 'POST',
      url: '/graphql',
      headers: bearer(viewer),
      payload: { query },
    });
    assert.notEqual(answer.headers[ANSWER_HEADER], 'HIT');
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assertTooComplex(
      { status: answer.statusCode, errors: answer.json<{ errors: Errors }>().errors },
      new RegExp(
        `^the answer would be \\d+ bytes, over the limit of ${ANSWER_CAP} \\(SWARMGATE_GRAPHQL_MAX_ANSWER_MB\\)`,
      ),
    );
  }
  // A small answer of the same gateway passes.
  const small = await loose.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(viewer),
    payload: { query: '{ swarm(id: "alpha") { id } }' },
  });
  assert.equal(small.statusCode, 200, small.body);
});

test('introspection is off under NODE_ENV=production (SWARMGATE_GRAPHQL_INTROSPECTION turns it on)', async () => {
  assert.equal(testConfig({ NODE_ENV: 'production' }).graphql.introspection, false);
  assert.equal(
    testConfig({ NODE_ENV: 'production', SWARMGATE_GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection,
    true,
  );
  assert.equal(testConfig().graphql.introspection, true);
  const refused = await gql(production.app, viewer, '{ __schema { queryType { name } } }');
  assert.equal(refused.status, 400, JSON.stringify(refused));
  assert.equal(refused.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.equal(
    refused.errors?.[0]?.message,
    'introspection is disabled on this gateway (SWARMGATE_GRAPHQL_INTROSPECTION)',
  );
  const typed = await gql(production.app, viewer, '{ __type(name: "Swarm") { name } }');
  assert.equal(typed.errors?.[0]?.extensions.code, 'BAD_INPUT');
  // __typename is not introspection of the schema.
  assert.deepEqual(dataOf(await gql(production.app, viewer, '{ __typename }')), { __typename: 'Query' });
  // Where it is on (development and tests), GraphiQL can read the schema.
  dataOf(await gql(world.app, viewer, '{ __schema { queryType { name } } }'));
  // GraphiQL is not served in production.
  const page = await production.app.inject({ method: 'GET', url: '/graphiql' });
  assert.equal(page.statusCode, 404);
});

// --- WebSockets ---

/** A socket to the loose gateway (a short wait for connection_init). */
const openSocket = (protocol: GraphqlWsProtocol, headers: Record<string, string> = {}) =>
  GraphqlWsClient.open(looseUrl, { protocol, headers });

/** The first message of this type (and subscription id) the socket received or receives within 5 s. */
const messageOf = (socket: GraphqlWsClient, type: string, id?: string) =>
  socket.next((message) => message.type === type && (id === undefined || message.id === id), 5000);

test('a WebSocket that sends no connection_init is closed with 4408 after SWARMGATE_WS_AUTH_TIMEOUT_MS', async () => {
  for (const protocol of ['graphql-transport-ws', 'graphql-ws'] as const) {
    const socket = await openSocket(protocol);
    const started = Date.now();
    const closed = await socket.closedWithin(WS_TIMEOUT_MS + 3000);
    assert.equal(closed.code, 4408, JSON.stringify(closed));
    assert.match(closed.reason, /Connection initialisation timeout/);
    assert.ok(Date.now() - started >= WS_TIMEOUT_MS - 50, 'closed before its time');
  }
  // Also when the upgrade carried a valid token: it must still initialise.
  const withHeader = await openSocket('graphql-transport-ws', bearer(viewer));
  assert.equal((await withHeader.closedWithin(WS_TIMEOUT_MS + 3000)).code, 4408);
});

test('a connection_init without a valid token is refused at once with 4401', async () => {
  const bare = await openSocket('graphql-transport-ws');
  bare.send({ type: 'connection_init' });
  const closed = await bare.closedWithin(WS_TIMEOUT_MS);
  assert.equal(closed.code, 4401, JSON.stringify(closed));
  assert.match(closed.reason, /^Unauthorized: .*authorization/);
  assert.equal(bare.messages.length, 0, 'nothing acknowledged');

  const forged = tokenFor('red', ['viewer']).replace(/\.[^.]+$/, '.forged-signature');
  const legacy = await openSocket('graphql-ws');
  legacy.send({ type: 'connection_init', payload: { authorization: `Bearer ${forged}` } });
  const refused = await legacy.closedWithin(WS_TIMEOUT_MS);
  assert.equal(refused.code, 4401, JSON.stringify(refused));
  // The legacy protocol is told why first, in a connection_error; the token is not echoed.
  const error = legacy.messages.find((message) => message.type === 'connection_error');
  assert.ok(error, JSON.stringify(legacy.messages));
  assert.equal((error.payload as { extensions: { code: string } }).extensions.code, 'UNAUTHENTICATED');
  assert.ok(!JSON.stringify(legacy.messages).includes(forged.split('.')[1]!), 'token echoed');
  assert.equal(legacy.messages.filter((message) => message.type === 'connection_ack').length, 0);

  // A subscribe before connection_init is refused too.
  const hasty = await openSocket('graphql-transport-ws');
  hasty.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { auditEventAdded { id } }' } });
  assert.equal((await hasty.closedWithin(WS_TIMEOUT_MS)).code, 4401);
});

test('an authenticated socket stays open past the time-out, and its subscription documents are bounded', async () => {
  const socket = await openSocket('graphql-transport-ws');
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${viewer}` } });
  await messageOf(socket, 'connection_ack');
  await new Promise((resolve) => setTimeout(resolve, WS_TIMEOUT_MS + 200));
  assert.equal(socket.readyState, 1, 'the socket is still open');

  const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: auditEventAdded { id }`).join(' ');
  socket.send({ id: 'wide', type: 'subscribe', payload: { query: `subscription { ${aliases} }` } });
  const refused = await messageOf(socket, 'error', 'wide');
  const [error] = refused.payload as { message: string; extensions: { code: string } }[];
  assert.equal(error?.extensions.code, TOO_COMPLEX, JSON.stringify(refused));
  assert.match(error?.message ?? '', /31 aliases, over the limit of 30/);

  // A document mercurius would not validate at all on its own (two root fields) is refused as BAD_INPUT.
  socket.send({
    id: 'two',
    type: 'subscribe',
    payload: { query: 'subscription { auditEventAdded { id } other: auditEventAdded { id } }' },
  });
  const invalid = await messageOf(socket, 'error', 'two');
  const [twoError] = invalid.payload as { message: string; extensions: { code: string } }[];
  assert.equal(twoError?.extensions.code, 'BAD_INPUT', JSON.stringify(invalid));
  assert.match(twoError?.message ?? '', /only one top level field/);
  socket.close();
});
