// The lab as the contract describes it: topology, swarm health, mutual TLS, no way out, probe images.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { before, test } from 'node:test';
import {
  dockerFor,
  labEngine,
  requireLab,
  swarmHealthy,
  swarmNodes,
  tlsParts,
  waitUntil,
  type Inventory,
  type InventoryEngine,
  type SwarmNode,
} from '../../helpers/lab.ts';

let inv: Inventory;

before(async () => {
  inv = await requireLab();
  // A fault test that ran just before may leave a leader election in flight: let the swarms settle.
  for (const s of ['alpha', 'beta']) {
    await waitUntil(`swarm ${s} to be healthy`, () => swarmHealthy(inv, s), 60_000);
  }
});

function managerLabel(n: SwarmNode): string {
  if (!n.ManagerStatus) return 'worker';
  return n.ManagerStatus.Leader ? 'leader' : n.ManagerStatus.Reachability;
}

function assertSwarm(nodes: SwarmNode[], managers: string[], workers: string[]): void {
  const hostnames = nodes.map((n) => n.Description.Hostname).sort();
  assert.deepEqual(hostnames, [...managers, ...workers].sort());
  for (const n of nodes)
    assert.equal(n.Status.State, 'ready', `${n.Description.Hostname} is ${n.Status.State}`);
  const labels = nodes.map(managerLabel);
  assert.equal(labels.filter((l) => l === 'leader').length, 1, `leaders in ${labels.join(',')}`);
  assert.equal(labels.filter((l) => l === 'reachable').length, managers.length - 1);
  for (const n of nodes) {
    const want = managers.includes(n.Description.Hostname) ? 'manager' : 'worker';
    assert.equal(n.Spec.Role, want, `${n.Description.Hostname} role`);
  }
}

test('alpha-m1 lists alpha as 5 Ready nodes: one Leader, two Reachable managers, two workers', async () => {
  const nodes = await swarmNodes(dockerFor(labEngine(inv, 'alpha-m1')));
  assertSwarm(nodes, ['alpha-m1', 'alpha-m2', 'alpha-m3'], ['alpha-w1', 'alpha-w2']);
});

test('beta-m1 lists beta as 2 Ready nodes: beta-m1 leads, beta-w1 works', async () => {
  const nodes = await swarmNodes(dockerFor(labEngine(inv, 'beta-m1')));
  assertSwarm(nodes, ['beta-m1'], ['beta-w1']);
});

test('spare engines are in no swarm', async () => {
  for (const name of ['spare-1', 'spare-2']) {
    const info = (await dockerFor(labEngine(inv, name)).info()) as { Swarm: { LocalNodeState: string } };
    assert.equal(info.Swarm.LocalNodeState, 'inactive', name);
  }
});

test('the inventory describes the topology with absolute paths', () => {
  assert.deepEqual(
    inv.swarms.map((s) => [s.name, s.managers, s.workers]),
    [
      ['alpha', ['alpha-m1', 'alpha-m2', 'alpha-m3'], ['alpha-w1', 'alpha-w2']],
      ['beta', ['beta-m1'], ['beta-w1']],
    ],
  );
  assert.equal(inv.engines.length, 9);
  for (const e of inv.engines) {
    assert.equal(e.tlsEndpoint, `tcp://${e.address}:2376`);
    for (const p of [e.socket, e.ca, e.cert, e.key]) assert.ok(p.startsWith('/'), `${p} is absolute`);
  }
});

/** GET /_ping over HTTPS; resolves with the status code or rejects with the TLS/socket error. */
function httpsPing(e: InventoryEngine, withClientCert: boolean): Promise<number> {
  const t = tlsParts(e);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: t.host,
        port: t.port,
        path: '/_ping',
        ca: t.ca,
        ...(withClientCert ? { cert: t.cert, key: t.key } : {}),
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('every engine refuses HTTPS without a client certificate and answers with one', async () => {
  for (const e of inv.engines) {
    await assert.rejects(
      httpsPing(e, false),
      (err: NodeJS.ErrnoException) => /^ERR_SSL_/.test(err.code ?? '') || /certificate/i.test(err.message),
      `${e.name} must refuse a client without certificate`,
    );
    assert.equal(await httpsPing(e, true), 200, `${e.name} answers with the client certificate`);
  }
});

test('no lab namespace has a default route (IPv4 or IPv6)', () => {
  for (const e of inv.engines) {
    for (const family of ['-4', '-6']) {
      const out = execFileSync('ip', ['-n', e.netns, family, 'route', 'show', 'default'], {
        encoding: 'utf8',
      });
      assert.equal(out.trim(), '', `${e.name} ${family} default route`);
    }
    const routes = execFileSync('ip', ['-n', e.netns, '-4', 'route', 'show', 'dev', 'eth0'], {
      encoding: 'utf8',
    });
    assert.match(
      routes.trim(),
      /^192\.168\.77\.0\/24 proto kernel scope link src 192\.168\.77\.\d+( linkdown)?$/,
    );
  }
});

test('both swarms are readable through dockerode over mutual TLS with the inventory material', async () => {
  for (const s of inv.swarms) {
    const mgr = labEngine(inv, s.managers[0] ?? '');
    const docker = dockerFor(mgr, 'tls');
    const nodes = await swarmNodes(docker);
    assert.deepEqual(nodes.map((n) => n.Description.Hostname).sort(), [...s.managers, ...s.workers].sort());
  }
});

interface ImageInspect {
  Id: string;
  Config: { Labels: Record<string, string> | null; Cmd: string[] | null };
}

test('both probe images exist in every engine, :2 a different image from :1', async () => {
  for (const e of inv.engines) {
    const docker = dockerFor(e);
    const one = (await docker.getImage('swarmgate/probe:1').inspect()) as ImageInspect;
    const two = (await docker.getImage('swarmgate/probe:2').inspect()) as ImageInspect;
    assert.equal(one.Config.Labels?.['swarmgate.probe.version'], '1', e.name);
    assert.equal(two.Config.Labels?.['swarmgate.probe.version'], '2', e.name);
    assert.notEqual(one.Id, two.Id, `${e.name}: :1 and :2 must differ`);
  }
});

test('a probe container runs and stops at once on SIGTERM (no 10s kill timeout)', async () => {
  const docker = dockerFor(labEngine(inv, 'spare-2'), 'socket', 30_000);
  const c = await docker.createContainer({
    Image: 'swarmgate/probe:1',
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
    Labels: { 'swarmgate.test': 'lab.test' },
  });
  try {
    await c.start();
    const t0 = Date.now();
    await c.stop({ t: 10 });
    const ms = Date.now() - t0;
    const state = (await c.inspect()).State;
    console.log(`probe container stopped in ${ms}ms with exit code ${state.ExitCode}`);
    assert.equal(state.ExitCode, 0);
    assert.ok(ms < 5000, `stop took ${ms}ms`);
  } finally {
    await c.remove({ force: true });
  }
});
