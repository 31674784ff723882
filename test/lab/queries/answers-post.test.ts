// Kept answers of GraphQL POSTs (src/plugins/app/answer-cache.ts, preParsing) against the lab's alpha: a POST is looked up
// by its body as sent, before the body is parsed, so these tests go through a real socket as well as inject: a body
// sent in pieces, a body cut short, bodies that are not JSON, variables, and a caller of another tenant.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { ANSWER_HEADER } from '../../../src/plugins/app/answer-cache.ts';
import { bearer } from '../../helpers/tokens.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

let lab: RedBlue;
let port = 0;

before(async () => {
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'on' });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  const address = lab.app.server.address();
  assert.ok(address && typeof address === 'object');
  port = address.port;
});
after(async () => {
  await lab?.subject.close();
});

interface Answer {
  status: number;
  answer: string | undefined;
  body: string;
}

async function postBody(body: string, token: string, contentType = 'application/json'): Promise<Answer> {
  const response = await lab.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...bearer(token), 'content-type': contentType },
    payload: body,
  });
  const answer = response.headers[ANSWER_HEADER];
  return {
    status: response.statusCode,
    answer: typeof answer === 'string' ? answer : undefined,
    body: response.body,
  };
}

/** One HTTP/1.1 POST over a socket of its own, its body written in `pieces` with a pause between them. */
function postInPieces(pieces: string[], token: string, declaredLength?: number): Promise<Answer> {
  const length = declaredLength ?? Buffer.byteLength(pieces.join(''));
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
      const answer = new RegExp(`^${ANSWER_HEADER}: (\\w+)`, 'im').exec(head)?.[1];
      resolve({ status, answer, body: rest.join('\r\n\r\n') });
    });
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`,
    );
    let index = 0;
    const next = () => {
      const piece = pieces[index++];
      if (piece === undefined) {
        // A declared length longer than what was sent: the client goes away mid-body.
        if (length > Buffer.byteLength(pieces.join(''))) socket.destroy();
        return;
      }
      socket.write(piece);
      setTimeout(next, 30);
    };
    next();
  });
}

const NODES = '{ swarm(id: "alpha") { nodes { totalCount items { id hostname role } } } }';

test('a POST is served from the answer kept for its body, byte for byte, whether the body came at once or in pieces', async () => {
  const body = JSON.stringify({ query: NODES });
  const first = await postBody(body, lab.tokens.redViewer);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.answer, 'MISS');
  const parsed = JSON.parse(first.body) as { data: { swarm: { nodes: { totalCount: number } } } };
  assert.equal(parsed.data.swarm.nodes.totalCount, 5);

  const again = await postBody(body, lab.tokens.redViewer);
  assert.equal(again.answer, 'HIT');
  assert.equal(again.body, first.body);

  // Over a socket, the body in three pieces 30 ms apart: the same body, so the same kept answer.
  const cut = Math.floor(body.length / 3);
  const pieces = [body.slice(0, cut), body.slice(cut, 2 * cut), body.slice(2 * cut)];
  const socketRead = await postInPieces(pieces, lab.tokens.redViewer);
  assert.equal(socketRead.status, 200, socketRead.body);
  assert.equal(socketRead.answer, 'HIT');
  assert.equal(socketRead.body, first.body);
});

test('a body not kept yet, sent in pieces, is parsed and answered as usual', async () => {
  const body = JSON.stringify({
    query: '{ swarm(id: "alpha") { nodes { totalCount } } }',
    operationName: null,
  });
  const pieces = [body.slice(0, 10), body.slice(10, 40), body.slice(40)];
  const first = await postInPieces(pieces, lab.tokens.redViewer);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.answer, 'MISS');
  assert.deepEqual(JSON.parse(first.body), { data: { swarm: { nodes: { totalCount: 5 } } } });
  assert.equal((await postBody(body, lab.tokens.redViewer)).answer, 'HIT');
});

test('variables and operation names are part of what is asked: each gets its own answer', async () => {
  const query = 'query Page($first: Int) { swarm(id: "alpha") { nodes(first: $first) { items { id } } } }';
  const items = (answer: Answer) =>
    (JSON.parse(answer.body) as { data: { swarm: { nodes: { items: unknown[] } } } }).data.swarm.nodes.items
      .length;
  for (const first of [1, 2, 3]) {
    const body = JSON.stringify({ query, variables: { first }, operationName: 'Page' });
    const built = await postBody(body, lab.tokens.redViewer);
    assert.equal(built.status, 200, built.body);
    assert.equal(items(built), first);
    const kept = await postBody(body, lab.tokens.redViewer);
    assert.equal(kept.answer, 'HIT');
    assert.equal(items(kept), first);
  }
});

test('another tenant sending the same body gets NOT_FOUND, never the kept answer', async () => {
  const body = JSON.stringify({ query: NODES });
  await postBody(body, lab.tokens.redViewer);
  assert.equal((await postBody(body, lab.tokens.redViewer)).answer, 'HIT');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const blue = await postBody(body, lab.tokens.blueViewer);
    assert.notEqual(blue.answer, 'HIT');
    assert.match(blue.body, /NOT_FOUND/);
    assert.doesNotMatch(blue.body, /hostname/);
  }
});

test('bodies that are not a GraphQL request are refused as before, and never kept', async () => {
  for (const [body, contentType] of [
    ['{"query": "{ swarm(id: \\"alpha\\") { nodes { totalCount } } ', 'application/json'],
    ['{"query": 42}', 'application/json'],
    ['not json at all', 'application/json'],
    ['{ swarm(id: "alpha") { nodes { totalCount } } }', 'text/plain'],
  ] as const) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await postBody(body, lab.tokens.redViewer, contentType);
      assert.ok(answer.status >= 400 && answer.status < 500, `${body}: ${answer.status} ${answer.body}`);
      assert.notEqual(answer.answer, 'HIT');
      assert.match(answer.body, /"errors"/);
    }
  }
  // A mutation spelled with a JSON escape passes the plain substring test, but its resolver is not a state field:
  // it runs every time (a new job each time), and its answer is never kept.
  const escaped =
    '{"query":"\\u006dutation { updateNodeLabels(input: { swarm: \\"alpha\\", node: \\"alpha-w1\\", ' +
    'remove: [\\"swarmgate-answers-post-absent\\"], reason: \\"answers-post test\\" }) { id } }"}';
  const jobs = new Set<string>();
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const answer = await postBody(escaped, lab.tokens.redAdmin);
    assert.equal(answer.status, 200, answer.body);
    assert.notEqual(answer.answer, 'HIT');
    jobs.add(
      (JSON.parse(answer.body) as { data: { updateNodeLabels: { id: string } } }).data.updateNodeLabels.id,
    );
  }
  assert.equal(jobs.size, 2, 'each mutation started its own job');
});

test('a client going away mid-body leaves the gateway answering the next request', async () => {
  const body = JSON.stringify({ query: NODES });
  const cut = await postInPieces([body.slice(0, 20)], lab.tokens.redViewer, body.length);
  assert.equal(cut.status, 0, 'no answer to a request whose body never ended');
  const next = await postInPieces([body], lab.tokens.redViewer);
  assert.equal(next.status, 200, next.body);
  assert.match(next.body, /totalCount/);
});

test('a POST without a valid token is refused before its body is read', async () => {
  const body = JSON.stringify({ query: NODES });
  const answer = await postBody(body, 'not-a-token');
  assert.equal(answer.status, 401);
  assert.match(answer.body, /UNAUTHENTICATED/);
  assert.notEqual(answer.answer, 'HIT');
});
