// initSwarm against the lab: spare-2 becomes the one manager of a new swarm registered in the caller's tenant;
// engines already in a swarm and taken names are refused. spare-2 leaves and the swarm is unregistered after.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobContext } from '../../../src/jobs/processor.ts';
import { swarmInitProcessor } from '../../../src/jobs/processors/swarm-init.ts';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { resumedContext as storedContext } from '../../helpers/jobs.ts';
import { dockerFor, labEngine, requireLab, type Inventory } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { dataOf, gql, tokenFor } from '../../helpers/graphql.ts';
import { tlsEndpointsOf } from '../../helpers/red-blue.ts';

let subject: TestApp;
let inventory: Inventory;
const blueAdmin = tokenFor('blue', ['admin']);
const blueViewer = tokenFor('blue', ['viewer']);

before(async () => {
  inventory = await requireLab();
  subject = await buildTestApp();
});
after(async () => {
  try {
    for (const spare of ['spare-1', 'spare-2']) await leaveAnySwarm(spare);
  } finally {
    await subject?.close();
  }
});

const JOB_FIELDS =
  'id type state swarmId target { swarmId swarmName } parameters result errorCode errorMessage reason';
const INIT = `mutation ($input: InitSwarmInput!) { initSwarm(input: $input) { ${JOB_FIELDS} } }`;

interface JobView {
  id: string;
  type: string;
  state: string;
  swarmId: string | null;
  target: { swarmId: string | null; swarmName: string | null };
  parameters: string;
  result: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  reason: string | null;
}

interface EngineInfo {
  Swarm: { LocalNodeState: string; ControlAvailable: boolean; NodeID: string; Cluster?: { ID: string } };
}

const engine = (name: string) => labEngine(inventory, name);
const tlsEndpoint = (name: string) => tlsEndpointsOf(inventory, [name])[0]!;
const infoOf = async (name: string) => (await dockerFor(engine(name)).info()) as EngineInfo;

async function leaveAnySwarm(name: string): Promise<void> {
  if ((await infoOf(name)).Swarm.LocalNodeState !== 'inactive') {
    await dockerFor(engine(name), 'socket', 60_000).swarmLeave({ force: true });
  }
}

/** The context a worker gives the processor when it runs the (swarm-less) job again after a crash. */
function resumedContext(jobId: string): Promise<JobContext<'swarm.init'>> {
  return storedContext(subject.app, jobId, {
    progress: { percent: 70, step: 'register', message: null },
    swarm: false,
  });
}

test('initSwarm makes spare-2 the one manager of a new swarm, registered in the caller’s tenant', async () => {
  assert.equal((await infoOf('spare-2')).Swarm.LocalNodeState, 'inactive', 'spare-2 starts out of any swarm');
  let swarmId: string | undefined;
  try {
    const started = Date.now();
    const job = dataOf(
      await gql<{ initSwarm: JobView }>(subject.app, blueAdmin, INIT, {
        input: {
          name: 'gamma',
          endpoint: tlsEndpoint('spare-2'),
          certExpirySeconds: 172_800,
          labels: [{ key: 'env', value: 'lab' }],
          reason: 'a swarm for the new team',
        },
      }),
    ).initSwarm;
    console.log(
      `initSwarm on spare-2 (quick job): ${job.state} ${Date.now() - started} ms after the request`,
    );
    assert.equal(job.state, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
    assert.equal(job.type, 'swarm.init');
    assert.equal(job.target.swarmName, 'gamma');
    assert.equal((JSON.parse(job.parameters) as { endpoint: { tls: unknown } }).endpoint.tls, '[REDACTED]');
    const result = JSON.parse(job.result ?? '{}') as { swarmId: string; clusterId: string; nodeId: string };
    swarmId = result.swarmId;
    assert.ok(swarmId);
    // The job learned the swarm it made: the ended job names it, so `jobs(filter: { swarm })` finds it.
    assert.equal(job.target.swarmId, swarmId);
    assert.equal(job.swarmId, swarmId);

    // Docker: spare-2 is an active manager of the cluster the registration recorded.
    const info = await infoOf('spare-2');
    assert.equal(info.Swarm.LocalNodeState, 'active');
    assert.equal(info.Swarm.ControlAvailable, true);
    assert.equal(info.Swarm.Cluster?.ID, result.clusterId);
    assert.equal(info.Swarm.NodeID, result.nodeId);

    // The gateway: readable in tenant blue by name, one manager (the leader), its settings applied.
    const swarm = dataOf(
      await gql<{
        swarm: {
          id: string;
          tenant: string;
          clusterId: string;
          labels: { key: string; value: string }[];
          endpoints: string[];
          info: { isManager: boolean; caNodeCertExpirySeconds: number };
          quorum: { managers: number; reachable: number };
          nodes: {
            totalCount: number;
            items: { hostname: string; role: string; state: string; leader: boolean }[];
          };
        };
      }>(
        subject.app,
        blueViewer,
        `query { swarm(id: "gamma") { id tenant clusterId labels { key value } endpoints
          info { isManager caNodeCertExpirySeconds } quorum { managers reachable }
          nodes { totalCount items { hostname role state leader } } } }`,
      ),
    ).swarm;
    assert.equal(swarm.id, swarmId);
    assert.equal(swarm.tenant, 'blue');
    assert.equal(swarm.clusterId, result.clusterId);
    assert.deepEqual(swarm.labels, [{ key: 'env', value: 'lab' }]);
    assert.deepEqual(swarm.endpoints, [engine('spare-2').tlsEndpoint]);
    assert.equal(swarm.info.isManager, true);
    assert.equal(swarm.info.caNodeCertExpirySeconds, 172_800);
    assert.deepEqual(swarm.quorum, { managers: 1, reachable: 1 });
    assert.deepEqual(swarm.nodes.items, [
      { hostname: 'spare-2', role: 'MANAGER', state: 'READY', leader: true },
    ]);

    // Another tenant does not see it.
    const red = await gql(subject.app, tokenFor('red', ['admin']), 'query { swarm(id: "gamma") { id } }');
    assert.equal(red.errors?.[0]?.extensions.code, 'NOT_FOUND');

    // Audited in blue: requested and succeeded, with the reason, naming the new swarm.
    const events = dataOf(
      await gql<{
        auditEvents: {
          items: { outcome: string; reason: string | null; target: { swarmId: string | null } }[];
        };
      }>(
        subject.app,
        blueAdmin,
        'query { auditEvents(filter: { action: "swarm.init" }) { items { outcome reason target { swarmId } } } }',
      ),
    ).auditEvents.items;
    assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
    assert.ok(events.every((event) => event.reason === 'a swarm for the new team'));
    assert.equal(events.find((event) => event.outcome === 'SUCCEEDED')?.target.swarmId, swarmId);

    // Run again after a crash that followed the registration: the same swarm, registered once.
    const again1 = await swarmInitProcessor(await resumedContext(job.id));
    assert.equal((again1.result as { swarmId: string }).swarmId, swarmId);
    assert.equal((await subject.app.registry.listSwarms('blue')).length, 1);
    // ...and after a crash between Docker's init and the registration: the swarm carries this job's id as a
    // label, so the run registers the swarm it made instead of refusing an engine "already in a swarm".
    await subject.app.registry.deleteSwarm(swarmId);
    const again2 = await swarmInitProcessor(await resumedContext(job.id));
    swarmId = (again2.result as { swarmId: string }).swarmId;
    assert.equal((again2.result as { clusterId: string }).clusterId, result.clusterId);
    assert.equal((await infoOf('spare-2')).Swarm.Cluster?.ID, result.clusterId, 'not initialized twice');

    // spare-2 is in a swarm now: another init (through REST) is refused, and spare-2 is left as it is.
    const again = await subject.app.inject({
      method: 'POST',
      url: '/v1/swarms/init',
      headers: bearer(blueAdmin),
      payload: { name: 'delta', endpoint: tlsEndpoint('spare-2') },
    });
    assert.equal(again.statusCode, 200, again.body);
    const refused = again.json<{ state: string; errorCode: string; errorMessage: string }>();
    assert.equal(refused.state, 'FAILED');
    assert.equal(refused.errorCode, 'ALREADY_IN_SWARM');
    assert.match(refused.errorMessage, /docker swarm leave/);
    assert.equal((await infoOf('spare-2')).Swarm.Cluster?.ID, result.clusterId);

    // A name taken in the tenant is refused before spare-1 is touched.
    const taken = dataOf(
      await gql<{ initSwarm: JobView }>(subject.app, blueAdmin, INIT, {
        input: { name: 'gamma', endpoint: tlsEndpoint('spare-1') },
      }),
    ).initSwarm;
    assert.equal(taken.state, 'FAILED');
    assert.equal(taken.errorCode, 'CONFLICT');
    assert.equal((await infoOf('spare-1')).Swarm.LocalNodeState, 'inactive');
  } finally {
    // The test's own cleanup: spare-2 leaves (--force: it is the last manager), and the swarm is unregistered.
    await leaveAnySwarm('spare-2');
    if (swarmId) {
      dataOf(
        await gql(
          subject.app,
          blueAdmin,
          'mutation ($swarm: String!) { unregisterSwarm(input: { swarm: $swarm }) { id } }',
          {
            swarm: swarmId,
          },
        ),
      );
    }
  }
  assert.equal((await infoOf('spare-2')).Swarm.LocalNodeState, 'inactive');
});

test('initSwarm is refused before any engine is touched without the admin role or with bad input', async () => {
  const spare = tlsEndpoint('spare-1');
  const cases: [string, Record<string, unknown>, string][] = [
    [tokenFor('blue', ['operator']), { name: 'epsilon', endpoint: spare }, 'FORBIDDEN'],
    [blueAdmin, { name: 'no spaces please', endpoint: spare }, 'BAD_INPUT'],
    [blueAdmin, { name: 'epsilon', endpoint: spare, certExpirySeconds: 60 }, 'BAD_INPUT'],
    [blueAdmin, { name: 'epsilon', endpoint: { url: 'tcp://192.168.77.31:2376' } }, 'BAD_INPUT'],
  ];
  for (const [token, input, code] of cases) {
    const answer = await gql(subject.app, token, INIT, { input });
    assert.equal(answer.errors?.[0]?.extensions.code, code, JSON.stringify(answer.errors));
  }
  assert.equal((await infoOf('spare-1')).Swarm.LocalNodeState, 'inactive');
  const swarms = dataOf(await gql<{ swarms: unknown[] }>(subject.app, blueAdmin, 'query { swarms { id } }'));
  assert.deepEqual(swarms.swarms, []);
});
