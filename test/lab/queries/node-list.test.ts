import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { dataOf, gql } from '../../helpers/graphql.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const exec = promisify(execFile);
let lab: RedBlue;
before(async () => {
  lab = await setupRedBlue();
});
after(async () => {
  await lab?.subject.close();
});

const title = (value: string | null) => (value ? value[0] + value.slice(1).toLowerCase() : '');

/** `docker node ls` run with the docker CLI on the swarm's first manager, one row per node. */
async function dockerNodeLs(swarm: string): Promise<string[]> {
  const manager = lab.inventory.swarms.find((candidate) => candidate.name === swarm)!.managers[0]!;
  const socket = lab.inventory.engines.find((engine) => engine.name === manager)!.socket;
  const { stdout } = await exec('docker', [
    '-H',
    `unix://${socket}`,
    'node',
    'ls',
    '--format',
    '{{.ID}}|{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}|{{.EngineVersion}}',
  ]);
  return stdout.trim().split('\n').sort();
}

interface NodeRow {
  id: string;
  hostname: string;
  state: string;
  availability: string;
  managerStatus: string | null;
  engineVersion: string | null;
}

async function gatewayNodeLs(token: string, swarm: string): Promise<string[]> {
  const answer = dataOf(
    await gql<{ swarm: { nodes: { items: NodeRow[] } } }>(
      lab.app,
      token,
      'query ($s: String!) { swarm(id: $s) { nodes { items { id hostname state availability managerStatus engineVersion } } } }',
      { s: swarm },
    ),
  );
  return answer.swarm.nodes.items
    .map((node) =>
      [
        node.id,
        node.hostname,
        title(node.state),
        title(node.availability),
        title(node.managerStatus),
        node.engineVersion,
      ].join('|'),
    )
    .sort();
}

test('alpha through the gateway equals `docker node ls` on its manager', async () => {
  const [cli, gateway] = await Promise.all([
    dockerNodeLs('alpha'),
    gatewayNodeLs(lab.tokens.redViewer, 'alpha'),
  ]);
  assert.equal(gateway.length, 5);
  assert.deepEqual(gateway, cli);
});

test('beta through the gateway equals `docker node ls` on its manager', async () => {
  const [cli, gateway] = await Promise.all([
    dockerNodeLs('beta'),
    gatewayNodeLs(lab.tokens.blueViewer, 'beta'),
  ]);
  assert.equal(gateway.length, 2);
  assert.deepEqual(gateway, cli);
});

test('node(ref) accepts an ID, a unique ID prefix and a hostname, as the docker CLI does', async () => {
  const query = 'query ($ref: String!) { swarm(id: "alpha") { node(ref: $ref) { id hostname role } } }';
  const byName = dataOf(
    await gql<{ swarm: { node: { id: string; hostname: string; role: string } } }>(
      lab.app,
      lab.tokens.redViewer,
      query,
      { ref: 'alpha-w1' },
    ),
  ).swarm.node;
  assert.equal(byName.role, 'WORKER');
  for (const ref of [byName.id, byName.id.slice(0, 6)]) {
    const again = dataOf(
      await gql<{ swarm: { node: { hostname: string } } }>(lab.app, lab.tokens.redViewer, query, { ref }),
    );
    assert.equal(again.swarm.node.hostname, 'alpha-w1');
  }
  const missing = await gql(lab.app, lab.tokens.redViewer, query, { ref: 'no-such-node' });
  assert.equal(missing.errors?.[0]?.extensions.code, 'NOT_FOUND');
});

test('filters narrow the node list and info/quorum describe the swarm', async () => {
  const answer = dataOf(
    await gql<{
      swarm: {
        managers: { totalCount: number };
        workers: { items: { hostname: string }[] };
        info: {
          isManager: boolean;
          managers: number;
          nodes: number;
          heartbeatTick: number;
          electionTick: number;
        };
        quorum: { managers: number; reachable: number; needed: number; tolerates: number };
      };
    }>(
      lab.app,
      lab.tokens.redViewer,
      `{ swarm(id: "alpha") {
          managers: nodes(filter: { role: MANAGER }) { totalCount }
          workers: nodes(filter: { role: WORKER }) { items { hostname } }
          info { isManager managers nodes heartbeatTick electionTick }
          quorum { managers reachable needed tolerates } } }`,
    ),
  );
  assert.equal(answer.swarm.managers.totalCount, 3);
  assert.deepEqual(
    answer.swarm.workers.items.map((node) => node.hostname),
    ['alpha-w1', 'alpha-w2'],
  );
  assert.equal(answer.swarm.info.isManager, true);
  assert.equal(answer.swarm.info.managers, 3);
  assert.equal(answer.swarm.info.nodes, 5);
  assert.ok(answer.swarm.info.electionTick > answer.swarm.info.heartbeatTick);
  assert.deepEqual(answer.swarm.quorum, { managers: 3, reachable: 3, needed: 2, tolerates: 1 });
});

test('pagination walks the node list with cursors', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5; page += 1) {
    const answer: {
      swarm: {
        nodes: {
          items: { hostname: string }[];
          pageInfo: { endCursor: string | null; hasNextPage: boolean };
        };
      };
    } = dataOf(
      await gql(
        lab.app,
        lab.tokens.redViewer,
        'query ($after: String) { swarm(id: "alpha") { nodes(first: 2, after: $after) { items { hostname } pageInfo { endCursor hasNextPage } } } }',
        {
          after,
        },
      ),
    );
    seen.push(...answer.swarm.nodes.items.map((node) => node.hostname));
    if (!answer.swarm.nodes.pageInfo.hasNextPage) break;
    after = answer.swarm.nodes.pageInfo.endCursor;
  }
  assert.deepEqual(seen, ['alpha-m1', 'alpha-m2', 'alpha-m3', 'alpha-w1', 'alpha-w2']);
});
