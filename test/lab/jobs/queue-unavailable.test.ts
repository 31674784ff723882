// Redis dies under a running gateway: a drain is refused with QUEUE_UNAVAILABLE (503), its job row ends failed with
// that code, the audit records the refusal, and the node is untouched in Docker; reads still answer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { labEngine } from '../../helpers/lab.ts';
import { startOwnRedis, type OwnRedis } from '../../helpers/redis.ts';
import { bearer } from '../../helpers/tokens.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const run = promisify(execFile);
const NODE = 'alpha-w2';

let redis: OwnRedis;
let lab: RedBlue;

const availability = async () => {
  const { stdout } = await run(
    '/usr/bin/docker',
    [
      '-H',
      `unix://${labEngine(lab.inventory, 'alpha-m1').socket}`,
      'node',
      'inspect',
      NODE,
      '--format',
      '{{.Spec.Availability}} {{.Version.Index}}',
    ],
    { timeout: 30_000 },
  );
  return stdout.trim();
};

before(async () => {
  redis = await startOwnRedis(['--maxmemory-policy', 'noeviction']);
  // No worker here: only the producer side (the request) meets the missing Redis.
  lab = await setupRedBlue({ REDIS_URL: redis.url, SWARMGATE_WORKER: 'off' });
});
after(async () => {
  redis?.kill();
  await lab?.subject.close();
});

test('with Redis gone, a drain is refused QUEUE_UNAVAILABLE: job failed, refusal audited, node untouched', async () => {
  const before = await availability();
  assert.match(before, /^active /, `${NODE} starts active`);
  redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const started = performance.now();
  const answer = await lab.app.inject({
    method: 'POST',
    url: `/v1/swarms/alpha/nodes/${NODE}/availability`,
    headers: bearer(lab.tokens.redOperator),
    payload: { availability: 'DRAIN', reason: 'queue unavailable test' },
  });
  const took = performance.now() - started;
  assert.equal(answer.statusCode, 503, answer.body);
  const problem = answer.json<{ code: string; detail?: string; title?: string }>();
  assert.equal(problem.code, 'QUEUE_UNAVAILABLE', answer.body);
  assert.ok(took < 10_000, `the refusal took ${took.toFixed(0)} ms`);
  console.log(`drain refused QUEUE_UNAVAILABLE ${took.toFixed(0)} ms after it was asked, Redis gone`);

  // Nothing reached Docker: same availability, same version.
  assert.equal(await availability(), before);

  // The job row ended failed with the code; the audit holds the request and its failure.
  const jobs = await lab.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(lab.tokens.redAdmin) });
  assert.equal(jobs.statusCode, 200, jobs.body);
  const job = jobs
    .json<{ items: { state: string; errorCode: string | null; type: string }[] }>()
    .items.find((item) => item.errorCode === 'QUEUE_UNAVAILABLE');
  assert.ok(job, `no job failed with QUEUE_UNAVAILABLE: ${jobs.body}`);
  assert.equal(job.state, 'FAILED');

  const audit = await lab.app.inject({
    method: 'GET',
    url: `/v1/audit?swarm=alpha&first=50`,
    headers: bearer(lab.tokens.redAdmin),
  });
  assert.equal(audit.statusCode, 200, audit.body);
  const events = audit.json<{
    items: { outcome: string; errorCode: string | null; reason: string | null }[];
  }>().items;
  assert.ok(
    events.some((event) => event.outcome === 'REQUESTED' && event.reason === 'queue unavailable test'),
    `no requested event: ${audit.body}`,
  );
  assert.ok(
    events.some((event) => event.outcome === 'FAILED' && event.errorCode === 'QUEUE_UNAVAILABLE'),
    `no outcome event with QUEUE_UNAVAILABLE: ${audit.body}`,
  );

  // Reads do not need Redis.
  const nodes = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/nodes',
    headers: bearer(lab.tokens.redViewer),
  });
  assert.equal(nodes.statusCode, 200, nodes.body);
});
