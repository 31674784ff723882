// The fake-manager attack of issue 11, as a test. Tenant "victim" registers the lab's swarm alpha. Tenant "mallory"
// registers its own fake manager (an Engine API over TLS under mallory's own CA, on the lab bridge) whose node list
// carries alpha's real node ids under names of mallory's choosing, then calls leaveSwarm naming such a node with:
//   (a) the victim engine's unix socket: refused by the endpoint policy (a tenant gives tcp:// with mutual TLS);
//   (b) the victim engine's real tcp endpoint with the lab's client certificate (as if stolen): refused because the
//       engine's own `docker info` shows it is not a node of mallory's swarm, a worker and (with force) a manager.
// The victim nodes stay in alpha (checked through Docker), and nothing mallory gets back or causes to be written (answers,
// job rows, audit rows of its tenant) holds alpha's node ids, hostnames, cluster id or manager addresses. Then: the
// fake cannot be registered claiming alpha's cluster id or managers (a CONFLICT that names nothing, the same for a
// cluster of mallory's own), and joinNode/initSwarm on alpha's engine answer the same ALREADY_IN_SWARM as for an
// engine of a cluster nobody registered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { DockerNode } from '../../../src/docker/types.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { json, startFakeEngine, type FakeEngine } from '../../helpers/fake-engine.ts';
import { untilJobEnds } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { gql, tokenFor } from '../../helpers/graphql.ts';
import { REGISTER, tlsEndpointsOf } from '../../helpers/red-blue.ts';

const victimAdmin = tokenFor('victim', ['admin']);
const mallory = tokenFor('mallory', ['admin']);

/** Alpha as Docker sees it: what must never reach mallory. */
interface Alpha {
  clusterId: string;
  nodes: DockerNode[];
  managerAddrs: string[];
}

let subject: TestApp;
let inventory: Inventory;
let alpha: Alpha;
let fake: FakeEngine;
/** What the fake says about itself; tests change it to claim alpha's identity. */
let fakeInfo: { clusterId: string; nodeId: string; remoteManagers: string[] };
const FAKE_MANAGERS = ['fakemanager0000000000000a', 'fakemanager0000000000000b', 'fakemanager0000000000000c'];
/** Every answer mallory got, as text, for the final scan. */
const answers: string[] = [];

const node = (id: string, hostname: string, role: 'manager' | 'worker', addr: string): object => ({
  ID: id,
  Version: { Index: 10 },
  CreatedAt: '2026-01-01T00:00:00Z',
  UpdatedAt: '2026-01-01T00:00:00Z',
  Spec: { Role: role, Availability: 'active', Labels: {} },
  Description: {
    Hostname: hostname,
    Platform: { Architecture: 'x86_64', OS: 'linux' },
    Resources: { NanoCPUs: 1e9, MemoryBytes: 1 << 30 },
    Engine: { EngineVersion: '20.10.24' },
  },
  Status: { State: 'ready', Addr: addr.replace(/:\d+$/, '') },
  ...(role === 'manager'
    ? { ManagerStatus: { Leader: hostname === 'evil-m1', Reachability: 'reachable', Addr: addr } }
    : {}),
});

const byHostname = (hostname: string) => {
  const found = alpha.nodes.find((n) => n.Description?.Hostname === hostname);
  assert.ok(found, `${hostname} is a node of alpha`);
  return found;
};

before(async () => {
  inventory = await requireLab();
  const m1 = dockerFor(labEngine(inventory, 'alpha-m1'));
  const info = (await m1.info()) as {
    Swarm: { Cluster: { ID: string }; RemoteManagers: { Addr: string }[] };
  };
  alpha = {
    clusterId: info.Swarm.Cluster.ID,
    nodes: (await m1.listNodes()) as DockerNode[],
    managerAddrs: info.Swarm.RemoteManagers.map((manager) => manager.Addr),
  };
  fakeInfo = {
    clusterId: 'fakecluster00000000000000',
    nodeId: FAKE_MANAGERS[0]!,
    remoteManagers: FAKE_MANAGERS,
  };

  fake = await startFakeEngine((request, response, path) => {
    if (path === '/_ping') return void response.end('OK');
    if (path === '/info') {
      return json(response, 200, {
        ID: 'FAKE:ENGINE',
        Name: 'evil-m1',
        ServerVersion: '20.10.24',
        Swarm: {
          NodeID: fakeInfo.nodeId,
          NodeAddr: '192.168.77.1',
          LocalNodeState: 'active',
          ControlAvailable: true,
          Error: '',
          RemoteManagers: fakeInfo.remoteManagers.map((id, i) => ({
            NodeID: id,
            Addr: `192.168.77.1:${2377 + i}`,
          })),
          Nodes: 5,
          Managers: 3,
          Cluster: {
            ID: fakeInfo.clusterId,
            Version: { Index: 1 },
            CreatedAt: '2026-01-01T00:00:00Z',
            UpdatedAt: '2026-01-01T00:00:00Z',
            Spec: { Name: 'default', Labels: {} },
          },
        },
      });
    }
    if (path === '/nodes') {
      // Three managers of its own, and alpha's real ids under mallory's names: evil-w for alpha-w1 (a worker), and
      // evil-m for alpha-m3 (a manager: the quorum guard would count the fake's three managers).
      return json(response, 200, [
        node(FAKE_MANAGERS[0]!, 'evil-m1', 'manager', '192.168.77.1:2377'),
        node(FAKE_MANAGERS[1]!, 'evil-m2', 'manager', '192.168.77.1:2378'),
        node(FAKE_MANAGERS[2]!, 'evil-m3', 'manager', '192.168.77.1:2379'),
        node(byHostname('alpha-w1').ID, 'evil-w', 'worker', '192.168.77.1:0'),
        node(byHostname('alpha-m3').ID, 'evil-m', 'manager', '192.168.77.1:2380'),
      ]);
    }
    if (path === '/services' || path === '/tasks') return json(response, 200, []);
    if (request.method === 'POST') return json(response, 500, { message: 'the fake changes nothing' });
    return json(response, 404, { message: 'page not found' });
  });
  subject = await buildTestApp({ SWARMGATE_ENGINE_NETWORKS: '192.168.77.0/24' });

  // The victim registers alpha, over mutual TLS, in its own tenant.
  const registered = await gql(subject.app, victimAdmin, REGISTER, {
    input: { name: 'alpha', endpoints: tlsEndpointsOf(inventory, ['alpha-m1', 'alpha-m2', 'alpha-m3']) },
  });
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
  // Mallory registers its fake manager with its own CA.
  const evil = await gql(subject.app, mallory, REGISTER, {
    input: { name: 'evil', endpoints: [{ url: fake.url, tls: fake.tls }] },
  });
  answers.push(JSON.stringify(evil));
  assert.equal(evil.errors, undefined, JSON.stringify(evil.errors));
});

after(async () => {
  await subject?.close();
  await fake?.close();
});

const LEAVE = `mutation ($input: LeaveSwarmInput!) { leaveSwarm(input: $input) { id state errorCode errorMessage } }`;

async function attempt(query: string, input: Record<string, unknown>) {
  const answer = await gql(subject.app, mallory, query, { input });
  answers.push(JSON.stringify(answer));
  return answer;
}

/** Alpha's own view of a node, through Docker (a manager's unix socket), and the node engine's own state. */
async function stillInAlpha(hostname: string): Promise<void> {
  const nodes = (await dockerFor(labEngine(inventory, 'alpha-m1')).listNodes()) as DockerNode[];
  const listed = nodes.find((n) => n.Description?.Hostname === hostname);
  assert.ok(listed, `${hostname} is still listed in alpha`);
  assert.equal(listed.ID, byHostname(hostname).ID);
  const own = (await dockerFor(labEngine(inventory, hostname)).info()) as {
    Swarm: { LocalNodeState: string; NodeID: string };
  };
  assert.equal(own.Swarm.LocalNodeState, 'active', `${hostname} did not leave`);
  assert.equal(own.Swarm.NodeID, listed.ID);
}

describe('the fake-manager attack', () => {
  test('(a) the victim engine’s unix socket is refused by the endpoint policy, force or not', async () => {
    for (const target of [
      { node: 'evil-w', engine: 'alpha-w1' },
      { node: 'evil-m', engine: 'alpha-m3' },
    ]) {
      const answer = await attempt(LEAVE, {
        swarm: 'evil',
        node: target.node,
        endpoint: { url: `unix://${labEngine(inventory, target.engine).socket}` },
        force: true,
      });
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(answer));
      assert.match(answer.errors[0].message, /^endpoint\.url: unix sockets are for platform-admin only/);
    }
    // Through REST too.
    const rest = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms/evil/nodes/evil-w/leave',
      headers: bearer(mallory),
      payload: { endpoint: { url: `unix://${labEngine(inventory, 'alpha-w1').socket}` }, force: true },
    });
    answers.push(rest.body);
    assert.equal(rest.statusCode, 400, rest.body);
    await stillInAlpha('alpha-w1');
    await stillInAlpha('alpha-m3');
  });

  test('(b) the victim engine’s real tcp endpoint (a stolen client certificate) fails the proof of belonging', async () => {
    // A worker first; only if that is refused, a manager with force (the fake lists three managers of its own).
    for (const target of [
      { node: 'evil-w', engine: 'alpha-w1' },
      { node: 'evil-m', engine: 'alpha-m3' },
    ]) {
      const [endpoint] = tlsEndpointsOf(inventory, [target.engine]);
      const answer = await attempt(LEAVE, { swarm: 'evil', node: target.node, endpoint, force: true });
      assert.equal(answer.errors?.[0]?.extensions.code, 'BAD_INPUT', JSON.stringify(answer));
      assert.match(
        answer.errors[0].message,
        /^the engine at tcp:\/\/[\d.]+:2376 is not a node of swarm "evil" \(by its own account of its swarm\)/,
      );
      await stillInAlpha(target.engine);
    }
    const [endpoint] = tlsEndpointsOf(inventory, ['alpha-w1']);
    const rest = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms/evil/nodes/evil-w/leave',
      headers: bearer(mallory),
      payload: { endpoint, force: true },
    });
    answers.push(rest.body);
    assert.equal(rest.statusCode, 400, rest.body);
    await stillInAlpha('alpha-w1');
  });

  test('the fake cannot claim alpha: its cluster id or its managers are a CONFLICT naming nothing', async () => {
    const original = { ...fakeInfo };
    try {
      const conflicts: string[] = [];
      for (const claim of [
        { ...original, clusterId: alpha.clusterId },
        { ...original, nodeId: alpha.nodes.find((n) => n.ManagerStatus)!.ID },
        { ...original, remoteManagers: alpha.nodes.filter((n) => n.ManagerStatus).map((n) => n.ID) },
      ]) {
        fakeInfo = claim;
        const answer = await attempt(REGISTER, {
          name: 'evil-2',
          endpoints: [{ url: fake.url, tls: fake.tls }],
        });
        assert.equal(answer.errors?.[0]?.extensions.code, 'CONFLICT', JSON.stringify(answer));
        conflicts.push(answer.errors[0].message);
      }
      // The same words as for a cluster of mallory's own registered twice: nothing says another tenant holds alpha.
      fakeInfo = original;
      const own = await attempt(REGISTER, { name: 'evil-3', endpoints: [{ url: fake.url, tls: fake.tls }] });
      assert.equal(own.errors?.[0]?.extensions.code, 'CONFLICT', JSON.stringify(own));
      for (const message of conflicts) assert.equal(message, own.errors[0].message);
      assert.doesNotMatch(own.errors[0].message, /tenant "|victim|alpha/);
    } finally {
      fakeInfo = original;
    }
  });

  test('joinNode and initSwarm on alpha’s engine answer as for an engine of a cluster nobody registered', async () => {
    // beta is not registered in this gateway: beta-w1 is an engine of a cluster nobody here holds.
    const JOIN = `mutation ($input: JoinNodeInput!) { joinNode(input: $input) { id } }`;
    const INIT = `mutation ($input: InitSwarmInput!) { initSwarm(input: $input) { id state errorCode errorMessage } }`;
    const messages = new Map<string, string>();
    let count = 0;
    for (const engine of ['alpha-w1', 'beta-w1']) {
      const [endpoint] = tlsEndpointsOf(inventory, [engine]);
      const joined = await attempt(JOIN, { swarm: 'evil', endpoint });
      assert.equal(joined.errors, undefined, JSON.stringify(joined));
      const jobId = (joined.data as { joinNode: { id: string } }).joinNode.id;
      const job = await untilJobEnds<{ state: string; errorCode: string; errorMessage: string }>(
        subject.app,
        mallory,
        'state errorCode errorMessage',
        jobId,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      answers.push(JSON.stringify(job));
      assert.equal(job.errorCode, 'ALREADY_IN_SWARM', JSON.stringify(job));
      messages.set(`join ${engine}`, job.errorMessage.replace(endpoint!.url, 'ENGINE'));

      const init = await attempt(INIT, { name: `evil-init-${++count}`, endpoint });
      const initJob = (
        init.data as { initSwarm: { state: string; errorCode: string; errorMessage: string } } | null
      )?.initSwarm;
      assert.equal(initJob?.errorCode, 'ALREADY_IN_SWARM', JSON.stringify(init));
      messages.set(`init ${engine}`, initJob.errorMessage.replace(endpoint!.url, 'ENGINE'));
    }
    assert.equal(messages.get('join alpha-w1'), messages.get('join beta-w1'));
    assert.equal(messages.get('init alpha-w1'), messages.get('init beta-w1'));
    await stillInAlpha('alpha-w1');
  });

  test('no answer, job row or audit row of mallory holds alpha’s ids, hostnames, cluster id or manager addresses', async () => {
    const db = new pg.Client({ connectionString: subject.db.url });
    await db.connect();
    let rows: string[];
    try {
      const jobs = await db.query<{ body: string }>(
        "SELECT row_to_json(j)::text AS body FROM jobs j WHERE tenant = 'mallory'",
      );
      const audit = await db.query<{ body: string }>(
        "SELECT row_to_json(a)::text AS body FROM audit_events a WHERE tenant = 'mallory'",
      );
      assert.ok(audit.rowCount! > 0, 'the attempts are audited in mallory’s tenant');
      rows = [...jobs.rows, ...audit.rows].map((row) => row.body);
    } finally {
      await db.end();
    }
    // What mallory itself sent (alpha's endpoint URLs and socket paths) is left out: the rest must not be there.
    const given = inventory.engines.flatMap((engine) => [engine.tlsEndpoint, engine.socket]);
    const forbidden = [
      alpha.clusterId,
      ...alpha.nodes.map((n) => n.ID),
      ...alpha.nodes.map((n) => n.Description?.Hostname ?? ''),
      ...alpha.managerAddrs,
    ].filter(Boolean);
    for (const text of [...answers, ...rows]) {
      let scrubbed = text;
      for (const url of given) scrubbed = scrubbed.split(url).join('<given>');
      for (const secret of forbidden) {
        assert.ok(!scrubbed.includes(secret), `"${secret}" of alpha reached mallory: ${text.slice(0, 600)}`);
      }
    }
  });
});
