// Kept answers (src/queries/answer-cache.ts) against the lab's alpha: a repeated read is served from the answer kept
// for it, but never across tenants, never after the swarm changed (a change made with the docker CLI), never for a
// fresh read or a document touching anything but the swarm state, and never after the swarm was unregistered.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ANSWER_HEADER } from '../../../src/plugins/app/answer-cache.ts';
import { labEngine } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);
const LABEL = 'swarmgate-answers-test';

let lab: RedBlue;
const docker = (engine: string, ...args: string[]) =>
  run('/usr/bin/docker', ['-H', `unix://${labEngine(lab.inventory, engine).socket}`, ...args], {
    timeout: 30_000,
  });

async function get(url: string, token: string) {
  const response = await lab.app.inject({ method: 'GET', url, headers: bearer(token) });
  return { status: response.statusCode, answer: response.headers[ANSWER_HEADER], body: response.body };
}

async function post(query: string, token: string) {
  const response = await lab.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: bearer(token),
    payload: { query },
  });
  return { status: response.statusCode, answer: response.headers[ANSWER_HEADER], body: response.body };
}

const NODES_URL = '/v1/swarms/alpha/nodes';

before(async () => {
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'on' });
});
after(async () => {
  await docker('alpha-m1', 'node', 'update', '--label-rm', LABEL, 'alpha-w1').catch(() => undefined);
  await lab?.subject.close();
});

test('a repeated read is served from the kept answer, byte for byte the same', async () => {
  const first = await get(NODES_URL, lab.tokens.redViewer);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.answer, 'MISS');
  const second = await get(NODES_URL, lab.tokens.redViewer);
  assert.equal(second.status, 200);
  assert.equal(second.answer, 'HIT');
  assert.equal(second.body, first.body);

  const query = '{ swarm(id: "alpha") { nodes { totalCount items { id hostname availability } } } }';
  const one = await post(query, lab.tokens.redViewer);
  assert.equal(one.answer, 'MISS', one.body);
  const two = await post(query, lab.tokens.redViewer);
  assert.equal(two.answer, 'HIT');
  assert.equal(two.body, one.body);
  const parsed = JSON.parse(two.body) as { data: { swarm: { nodes: { totalCount: number } } } };
  assert.equal(parsed.data.swarm.nodes.totalCount, 5);
});

test('another tenant asking the same URL or document gets NOT_FOUND, never the kept answer', async () => {
  await get(NODES_URL, lab.tokens.redViewer);
  const kept = await get(NODES_URL, lab.tokens.redViewer);
  assert.equal(kept.answer, 'HIT');

  const blue = await get(NODES_URL, lab.tokens.blueViewer);
  assert.equal(blue.status, 404, blue.body);
  assert.notEqual(blue.answer, 'HIT');
  assert.match(blue.body, /NOT_FOUND/);

  const query = '{ swarm(id: "alpha") { nodes { totalCount } } }';
  await post(query, lab.tokens.redViewer);
  assert.equal((await post(query, lab.tokens.redViewer)).answer, 'HIT');
  const blueGql = await post(query, lab.tokens.blueViewer);
  assert.match(blueGql.body, /NOT_FOUND/);
  // Answers with errors are not kept: asking again builds it again.
  assert.notEqual((await post(query, lab.tokens.blueViewer)).answer, 'HIT');

  // A platform-admin (of the platform tenant) sees every tenant: its own answer, built for it.
  const admin = tokenFor('platform', ['platform-admin']);
  const seen = await get(NODES_URL, admin);
  assert.equal(seen.status, 200, seen.body);
  assert.equal(seen.answer, 'MISS');
});

test('a label added with the docker CLI shows on the next read: the kept answer is not served once the swarm changed', async () => {
  await get(NODES_URL, lab.tokens.redViewer);
  assert.equal((await get(NODES_URL, lab.tokens.redViewer)).answer, 'HIT');

  await docker('alpha-m1', 'node', 'update', '--label-add', `${LABEL}=yes`, 'alpha-w1');
  const started = performance.now();
  for (;;) {
    const read = await get(NODES_URL, lab.tokens.redViewer);
    assert.equal(read.status, 200);
    if (read.body.includes(LABEL)) break;
    assert.ok(performance.now() - started < 2000, 'the label did not show within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  console.log(
    `label added with the CLI seen ${(performance.now() - started).toFixed(0)} ms after the CLI returned`,
  );
  const again = await get(NODES_URL, lab.tokens.redViewer);
  assert.equal(again.answer, 'HIT');
  assert.ok(again.body.includes(LABEL));
});

test('a read right after a label change made through the gateway shows it (read your writes, no waiting for events)', async () => {
  await get(NODES_URL, lab.tokens.redViewer);
  assert.equal((await get(NODES_URL, lab.tokens.redViewer)).answer, 'HIT');
  for (const value of ['one', 'two', 'three']) {
    const changed = await lab.app.inject({
      method: 'PATCH',
      url: '/v1/swarms/alpha/nodes/alpha-w1/labels',
      headers: bearer(lab.tokens.redOperator),
      payload: { add: [{ key: `${LABEL}-ryw`, value }], reason: 'answers test' },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    // Immediately: no polling. The state lists the nodes again after the write before serving them.
    const read = await get(NODES_URL, lab.tokens.redViewer);
    assert.equal(read.status, 200);
    assert.ok(
      read.body.includes(`{"key":"${LABEL}-ryw","value":"${value}"}`),
      `the read right after the change does not show ${LABEL}-ryw=${value}`,
    );
  }
  await docker('alpha-m1', 'node', 'update', '--label-rm', `${LABEL}-ryw`, 'alpha-w1');

  // The mechanism itself (the events of a write usually arrive before its job ends, so the reads above rarely need
  // it): from a write's answer until the nodes were listed again, the state serves no version of them.
  await get(NODES_URL, lab.tokens.redViewer);
  const state = lab.app.swarmState;
  const before = state.currentVersion(lab.alpha.id, 'nodes');
  assert.ok(before !== null, 'the nodes are served from the state');
  state.changedByWrite('alpha', 'nodes');
  assert.equal(state.currentVersion(lab.alpha.id, 'nodes'), null, 'served while a write is not listed yet');
  assert.notEqual((await get(NODES_URL, lab.tokens.redViewer)).answer, 'HIT');
  const started = performance.now();
  while (state.currentVersion(lab.alpha.id, 'nodes') === null) {
    assert.ok(performance.now() - started < 5000, 'the nodes were not listed again within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.notEqual(state.currentVersion(lab.alpha.id, 'nodes'), before, 'a new version after the listing');
});

test('fresh reads, observedAt, jobs and live Docker reads are never kept', async () => {
  for (const url of [`${NODES_URL}?fresh=true`, '/v1/swarms/alpha', '/v1/swarms/alpha/info', '/v1/jobs']) {
    const first = await get(url, lab.tokens.redAdmin);
    assert.equal(first.status, 200, `${url}: ${first.body}`);
    const second = await get(url, lab.tokens.redAdmin);
    assert.notEqual(second.answer, 'HIT', `${url} was served from a kept answer`);
  }
  for (const query of [
    '{ swarm(id: "alpha") { observedAt nodes { totalCount } } }',
    '{ swarm(id: "alpha") { info { nodeId } } }',
    '{ swarm(id: "alpha") { nodes(fresh: true) { totalCount } } }',
    '{ jobs { items { id } } }',
    '{ me { sub } }',
  ]) {
    const first = await post(query, lab.tokens.redAdmin);
    assert.equal(first.status, 200, first.body);
    assert.doesNotMatch(first.body, /"errors"/, `${query}: ${first.body}`);
    const second = await post(query, lab.tokens.redAdmin);
    assert.notEqual(second.answer, 'HIT', `${query} was served from a kept answer`);
  }
});

test('a kept answer is looked up before the query string is validated: a bad one is still refused, every time', async () => {
  await get(NODES_URL, lab.tokens.redViewer);
  assert.equal((await get(NODES_URL, lab.tokens.redViewer)).answer, 'HIT');
  for (const url of [`${NODES_URL}?first=abc`, `${NODES_URL}?first=-1`, `${NODES_URL}?fresh=maybe`]) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const read = await get(url, lab.tokens.redViewer);
      assert.equal(read.status, 400, `${url}: ${read.body}`);
      assert.match(read.body, /BAD_INPUT/);
      assert.notEqual(read.answer, 'HIT');
    }
  }
  // Any `fresh` parameter, even false, asks past the kept answers.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const read = await get(`${NODES_URL}?fresh=false`, lab.tokens.redViewer);
    assert.equal(read.status, 200, read.body);
    assert.notEqual(read.answer, 'HIT');
  }
});

test('concurrent reads of a changed list build one answer; the others get it', async () => {
  const url = `${NODES_URL}?first=3`;
  const answers = await Promise.all(Array.from({ length: 20 }, () => get(url, lab.tokens.redViewer)));
  const built = answers.filter((read) => read.answer === 'MISS').length;
  for (const read of answers) {
    assert.equal(read.status, 200);
    assert.equal(read.body, answers[0]!.body);
  }
  assert.equal(built, 1, `${built} of 20 concurrent reads built the answer`);
});

test('once the swarm is unregistered, a kept answer is not served: NOT_FOUND', async () => {
  await get(NODES_URL, lab.tokens.redViewer);
  assert.equal((await get(NODES_URL, lab.tokens.redViewer)).answer, 'HIT');
  const removed = await lab.app.inject({
    method: 'DELETE',
    url: '/v1/swarms/alpha?reason=answers+test',
    headers: bearer(lab.tokens.redAdmin),
  });
  assert.equal(removed.statusCode, 200, removed.body);
  const read = await get(NODES_URL, lab.tokens.redViewer);
  assert.equal(read.status, 404, read.body);
});
