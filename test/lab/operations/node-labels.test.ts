// updateNodeLabels against the lab: twenty concurrent updates from parallel clients all apply; idempotency keys
// replay the same job without a second change; the REST door; refusals. Every label added is removed again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { DockerNode } from '../../../src/docker/types.ts';
import {
  isolatedRedisUrl,
  NODE_JOB_FIELDS as JOB,
  untilJobEnds,
  type NodeJob as Job,
} from '../../helpers/jobs.ts';
import { dockerFor, labEngine, nodeByHostname } from '../../helpers/lab.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const NODE = 'alpha-w2';
const PREFIX = `swarmgate.test.${randomUUID().slice(0, 8)}`;
const UPDATE = `mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { ${JOB} } }`;

let lab: RedBlue;
let operator: string;

const manager = () => dockerFor(labEngine(lab.inventory, 'alpha-m1'));

const inspectNode = (): Promise<DockerNode> => nodeByHostname(manager(), NODE, 'alpha');

/** Removes every label this file added, straight through Docker (also when a test failed half-way). */
async function removeTestLabels(): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const node = await inspectNode();
    const labels = Object.fromEntries(
      Object.entries(node.Spec.Labels ?? {}).filter(([key]) => !key.startsWith(PREFIX)),
    );
    if (Object.keys(labels).length === Object.keys(node.Spec.Labels ?? {}).length) return;
    try {
      await manager()
        .getNode(node.ID)
        .update({ version: node.Version.Index, ...node.Spec, Labels: labels });
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

const waitForJob = (id: string, timeoutMs = 60_000): Promise<Job> =>
  untilJobEnds<Job>(lab.app, operator, JOB, id, { timeoutMs, intervalMs: 200 });

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  operator = tokenFor('red', ['operator'], { sub: 'olivia' });
});

after(async () => {
  try {
    await removeTestLabels();
  } finally {
    await lab?.subject.close();
  }
});

test('twenty concurrent label updates to one node from parallel clients are all applied', async () => {
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      gql<{ updateNodeLabels: Job }>(
        lab.app,
        tokenFor('red', ['operator'], { sub: `client-${index}` }),
        UPDATE,
        {
          input: {
            swarm: 'alpha',
            node: NODE,
            add: [{ key: `${PREFIX}.k${index + 1}`, value: `v${index + 1}` }],
            reason: 'concurrency test',
          },
        },
      ),
    ),
  );
  const answered = Date.now() - started;
  const jobs = await Promise.all(answers.map((answer) => waitForJob(dataOf(answer).updateNodeLabels.id)));
  console.log(
    `20 concurrent label updates: all answered in ${answered} ms, all ended in ${Date.now() - started} ms`,
  );
  for (const job of jobs) {
    assert.equal(job.state, 'SUCCEEDED', `${job.id}: ${job.errorCode} ${job.errorMessage}`);
    assert.equal(job.type, 'node.labels.update');
    assert.equal(job.target.nodeName, NODE);
  }
  assert.equal(new Set(jobs.map((job) => job.id)).size, 20, 'twenty distinct jobs');

  const labels = (await inspectNode()).Spec.Labels ?? {};
  for (let index = 1; index <= 20; index += 1) {
    assert.equal(labels[`${PREFIX}.k${index}`], `v${index}`, `label k${index} applied (seen through Docker)`);
  }
  // The gateway's own read agrees.
  const seen = dataOf(
    await gql<{ swarm: { node: { labels: { key: string; value: string }[] } } }>(
      lab.app,
      operator,
      `query { swarm(id: "alpha") { node(ref: "${NODE}") { labels { key value } } } }`,
    ),
  );
  assert.equal(seen.swarm.node.labels.filter((label) => label.key.startsWith(PREFIX)).length, 20);

  // And they go again in one update.
  const removal = dataOf(
    await gql<{ updateNodeLabels: Job }>(lab.app, operator, UPDATE, {
      input: {
        swarm: 'alpha',
        node: NODE,
        remove: Array.from({ length: 20 }, (_, index) => `${PREFIX}.k${index + 1}`),
      },
    }),
  ).updateNodeLabels;
  assert.equal((await waitForJob(removal.id)).state, 'SUCCEEDED');
  const left = Object.keys((await inspectNode()).Spec.Labels ?? {}).filter((key) => key.startsWith(PREFIX));
  assert.deepEqual(left, []);
});

test('the same idempotencyKey twice gives the same job and one change; another input with it is CONFLICT', async () => {
  const key = `labels-${randomUUID()}`;
  const input = {
    swarm: 'alpha',
    node: NODE,
    add: [{ key: `${PREFIX}.idem`, value: 'once' }],
    reason: 'idempotency test',
    idempotencyKey: key,
  };
  const first = dataOf(
    await gql<{ updateNodeLabels: Job }>(lab.app, operator, UPDATE, { input }),
  ).updateNodeLabels;
  assert.equal((await waitForJob(first.id)).state, 'SUCCEEDED');
  const afterFirst = await inspectNode();
  assert.equal(afterFirst.Spec.Labels?.[`${PREFIX}.idem`], 'once');

  // Someone changes the label by hand: a replay must not set it back (it is the old request, not a new one).
  await manager()
    .getNode(afterFirst.ID)
    .update({
      version: afterFirst.Version.Index,
      ...afterFirst.Spec,
      Labels: { ...afterFirst.Spec.Labels, [`${PREFIX}.idem`]: 'by-hand' },
    });
  const byHand = await inspectNode();

  const replay = dataOf(
    await gql<{ updateNodeLabels: Job }>(lab.app, operator, UPDATE, { input }),
  ).updateNodeLabels;
  assert.equal(replay.id, first.id, 'the same job');
  const afterReplay = await inspectNode();
  assert.equal(
    afterReplay.Version.Index,
    byHand.Version.Index,
    'no second change: the node version did not move',
  );
  assert.equal(afterReplay.Spec.Labels?.[`${PREFIX}.idem`], 'by-hand');

  // Through REST too: the same key and input is the same job.
  const rest = await lab.app.inject({
    method: 'PATCH',
    url: `/v1/swarms/alpha/nodes/${NODE}/labels`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { add: input.add, reason: input.reason, idempotencyKey: key },
  });
  assert.equal(rest.statusCode, 200, rest.body);
  assert.equal(rest.json<{ id: string }>().id, first.id);

  const other = await gql(lab.app, operator, UPDATE, {
    input: { ...input, add: [{ key: `${PREFIX}.idem`, value: 'twice' }] },
  });
  assert.equal(other.errors?.[0]?.extensions.code, 'CONFLICT', JSON.stringify(other.errors));
  assert.match(other.errors?.[0]?.message ?? '', new RegExp(`idempotency key "${key}" was already used`));
  assert.equal((await inspectNode()).Spec.Labels?.[`${PREFIX}.idem`], 'by-hand');

  // One job, one requested + one outcome event for it; the replay and the conflict are operations of their own.
  const { jobs } = dataOf(
    await gql<{ jobs: { items: Job[] } }>(
      lab.app,
      operator,
      `query { jobs(filter: { type: "node.labels.update" }, first: 100) { items { id parameters } } }`,
    ),
  );
  const withKey = (jobs.items as (Job & { parameters: string })[]).filter((job) =>
    job.parameters.includes(`${PREFIX}.idem`),
  );
  assert.equal(withKey.length, 1, 'one job for the key');
});

test('REST PATCH labels adds and removes, answering 200 with the ended job and the labels after', async () => {
  const response = await lab.app.inject({
    method: 'PATCH',
    url: `/v1/swarms/alpha/nodes/${NODE}/labels`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { add: [{ key: `${PREFIX}.rest`, value: 'yes' }], remove: [`${PREFIX}.idem`] },
  });
  assert.equal(response.statusCode, 200, response.body);
  const job = response.json<{ state: string; result: { labels: Record<string, string> } }>();
  assert.equal(job.state, 'SUCCEEDED');
  assert.equal(job.result.labels[`${PREFIX}.rest`], 'yes');
  assert.equal(job.result.labels[`${PREFIX}.idem`], undefined);
  const labels = (await inspectNode()).Spec.Labels ?? {};
  assert.equal(labels[`${PREFIX}.rest`], 'yes');
  assert.equal(labels[`${PREFIX}.idem`], undefined);
});

test('refusals: a viewer is FORBIDDEN, nothing to change or a key both added and removed is BAD_INPUT, an unknown field is 400', async () => {
  const viewer = await gql(lab.app, lab.tokens.redViewer, UPDATE, {
    input: { swarm: 'alpha', node: NODE, add: [{ key: `${PREFIX}.x` }] },
  });
  assert.equal(viewer.errors?.[0]?.extensions.code, 'FORBIDDEN');
  const empty = await gql(lab.app, operator, UPDATE, { input: { swarm: 'alpha', node: NODE } });
  assert.equal(empty.errors?.[0]?.extensions.code, 'BAD_INPUT');
  const both = await gql(lab.app, operator, UPDATE, {
    input: { swarm: 'alpha', node: NODE, add: [{ key: 'a' }], remove: ['a'] },
  });
  assert.equal(both.errors?.[0]?.extensions.code, 'BAD_INPUT');
  assert.match(both.errors?.[0]?.message ?? '', /both added and removed/);
  const cross = await gql(lab.app, lab.tokens.blueAdmin, UPDATE, {
    input: { swarm: 'alpha', node: NODE, add: [{ key: 'a' }] },
  });
  assert.equal(cross.errors?.[0]?.extensions.code, 'NOT_FOUND', "another tenant's swarm does not exist");
  const unknown = await lab.app.inject({
    method: 'PATCH',
    url: `/v1/swarms/alpha/nodes/${NODE}/labels`,
    headers: { authorization: `Bearer ${operator}` },
    payload: { add: [], labels: [] },
  });
  assert.equal(unknown.statusCode, 400, unknown.body);
  assert.match(unknown.body, /unknown property \\"labels\\"|unknown property "labels"/);
  const labels = Object.keys((await inspectNode()).Spec.Labels ?? {}).filter((key) => key === 'a');
  assert.deepEqual(labels, []);
});
