import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dockerFor, labEngine, runLabCli, swarmNodes, waitUntil } from '../../helpers/lab.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const TIMEOUT_MS = 2000;
let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue({ SWARMGATE_DOCKER_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => {
  await lab?.subject.close();
});

/** Starts the engine again and waits until its swarm sees it Ready (and reachable, for a manager). */
async function restore(engine: string, seenFrom: string): Promise<void> {
  const started = await runLabCli(['start', engine]);
  assert.equal(started.code, 0, started.stderr);
  const docker = dockerFor(labEngine(lab.inventory, seenFrom));
  await waitUntil(
    `${engine} Ready again`,
    async () => {
      const node = (await swarmNodes(docker)).find((candidate) => candidate.Description?.Hostname === engine);
      if (node?.Status.State !== 'ready') return `state ${node?.Status.State ?? 'missing'}`;
      if (node.ManagerStatus && node.ManagerStatus.Reachability !== 'reachable')
        return 'manager not reachable yet';
      return true;
    },
    90_000,
  );
}

test('with alpha-m1 stopped, alpha still reads through alpha-m2/m3 and its status names the endpoint that is down', async (t) => {
  const stopped = await runLabCli(['stop', 'alpha-m1']);
  assert.equal(stopped.code, 0, stopped.stderr);
  t.after(() => restore('alpha-m1', 'alpha-m2'));
  const m1 = labEngine(lab.inventory, 'alpha-m1').tlsEndpoint;

  // Reads continue once the remaining managers answer (a new leader may first have to be elected).
  const took = await waitUntil(
    'alpha readable without alpha-m1',
    async () => {
      const answer = await gql<{ swarm: { nodes: { totalCount: number } } }>(
        lab.app,
        lab.tokens.redViewer,
        '{ swarm(id: "alpha") { nodes { totalCount } } }',
      );
      return answer.data?.swarm.nodes.totalCount === 5 ? true : JSON.stringify(answer.errors);
    },
    60_000,
    500,
  );
  console.log(`alpha readable through the other managers ${took} ms after alpha-m1 stopped`);

  const status = await gql<{
    swarm: {
      status: {
        state: string;
        message: string;
        endpoints: { url: string; up: boolean; error: string | null }[];
      };
    };
  }>(
    lab.app,
    lab.tokens.redViewer,
    '{ swarm(id: "alpha") { status { state message endpoints { url up error } } } }',
  );
  const view = status.data?.swarm.status;
  assert.equal(view?.state, 'DEGRADED');
  assert.ok(view.message.includes(m1), view.message);
  assert.deepEqual(
    view.endpoints.filter((endpoint) => !endpoint.up).map((endpoint) => endpoint.url),
    [m1],
  );
});

test("with beta's manager stopped, swarms still returns alpha and marks beta SWARM_UNREACHABLE within the time-out", async (t) => {
  const stopped = await runLabCli(['stop', 'beta-m1']);
  assert.equal(stopped.code, 0, stopped.stderr);
  t.after(() => restore('beta-m1', 'beta-m1'));
  const platform = tokenFor('platform', ['platform-admin']);

  const started = Date.now();
  const answer = await gql<{
    swarms: { name: string; status: { state: string; errorCode: string | null; message: string | null } }[];
  }>(lab.app, platform, '{ swarms { name status { state errorCode message } } }');
  const took = Date.now() - started;
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  const byName = Object.fromEntries(answer.data!.swarms.map((swarm) => [swarm.name, swarm.status]));
  assert.equal(byName.alpha?.state, 'OK');
  assert.equal(byName.beta?.state, 'UNREACHABLE');
  assert.equal(byName.beta?.errorCode, 'SWARM_UNREACHABLE');
  assert.match(byName.beta?.message ?? '', /beta/);
  assert.ok(
    took < TIMEOUT_MS + 1500,
    `swarms answered in ${took} ms; the Docker time-out is ${TIMEOUT_MS} ms`,
  );

  // Reading beta's nodes is SWARM_UNREACHABLE naming it, while alpha's still answer in the same request.
  const both = await gql<{ alpha: { nodes: { totalCount: number } } | null; beta: unknown }>(
    lab.app,
    platform,
    '{ alpha: swarm(id: "alpha") { nodes { totalCount } } beta: swarm(id: "beta") { nodes { totalCount } } }',
  );
  assert.equal(both.data?.alpha?.nodes.totalCount, 5);
  const betaError = both.errors?.find((error) => error.path?.[0] === 'beta');
  assert.equal(betaError?.extensions.code, 'SWARM_UNREACHABLE');
  assert.match(betaError?.message ?? '', /swarm "beta" is unreachable/);
});
