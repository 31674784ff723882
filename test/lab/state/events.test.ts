// swarmEvents over WebSocket: a change made with the docker CLI reaches a subscriber of the swarm's tenant once, even
// with two gateway instances watching alpha; another tenant's subscriber is refused with NOT_FOUND.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildTestApp, type TestApp } from '../../helper.ts';
import { GraphqlWsClient } from '../../helpers/graphql-ws.ts';
import { labEngine, waitUntil } from '../../helpers/lab.ts';
import { bearer } from '../../helpers/tokens.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

interface ReceivedSwarmEvent {
  swarmId: string;
  type: string;
  action: string;
  actorId: string;
  actorName: string | null;
  attributes: string;
  time: string;
}

const WAIT_MS = 10_000;
const SUBSCRIPTION = `subscription ($swarm: String!) { swarmEvents(swarm: $swarm) {
  swarmId type action actorId actorName attributes time
} }`;

const run = promisify(execFile);
let lab: RedBlue;
let instanceB: TestApp;
let urlB: string;
const subscribers: GraphqlWsClient[] = [];
const docker = (...args: string[]) =>
  run('/usr/bin/docker', ['-H', `unix://${labEngine(lab.inventory, 'alpha-m1').socket}`, ...args], {
    timeout: 30_000,
  });

/** A subscriber of instance B whose connection_init was acknowledged. */
async function subscriberOf(token: string): Promise<GraphqlWsClient> {
  const subscriber = await GraphqlWsClient.open(urlB, { timeoutMs: WAIT_MS });
  subscribers.push(subscriber);
  await subscriber.init({ authorization: `Bearer ${token}` }, WAIT_MS);
  return subscriber;
}

/** The swarm events delivered to subscription `id`. */
const eventsOf = (subscriber: GraphqlWsClient, id: string): ReceivedSwarmEvent[] =>
  subscriber.data<{ swarmEvents: ReceivedSwarmEvent }>(id).map((data) => data.swarmEvents);

before(async () => {
  lab = await setupRedBlue({ SWARMGATE_CACHE: 'on' });
  // A second instance on the same database, with the cache off (the default): the subscribers connect to it, and it
  // watches alpha for them all the same.
  instanceB = await buildTestApp({}, { database: lab.subject.db });
  await instanceB.app.listen({ host: '127.0.0.1', port: 0 });
  urlB = `ws://127.0.0.1:${(instanceB.app.server.address() as AddressInfo).port}/graphql`;
});
after(async () => {
  for (const subscriber of subscribers) subscriber.terminate();
  await docker('node', 'update', '--availability', 'active', 'alpha-w2').catch(() => undefined);
  await instanceB?.close();
  await lab?.subject.close();
});

test("a node update made with the docker CLI reaches red's subscriber once; blue's is NOT_FOUND", async () => {
  // Instance A watches alpha because it is read; instance B will because it has a subscriber.
  const read = await lab.app.inject({
    method: 'GET',
    url: '/v1/swarms/alpha/nodes',
    headers: bearer(lab.tokens.redViewer),
  });
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(instanceB.app.swarmState.describe(lab.alpha.id), null, 'B does not watch alpha yet');

  const red = await subscriberOf(lab.tokens.redViewer);
  red.subscribe('red', SUBSCRIPTION, { swarm: 'alpha' });
  const blue = await subscriberOf(lab.tokens.blueViewer);
  blue.subscribe('blue-by-name', SUBSCRIPTION, { swarm: 'alpha' });
  blue.subscribe('blue-by-id', SUBSCRIPTION, { swarm: lab.alpha.id });

  for (const id of ['blue-by-name', 'blue-by-id']) {
    const refused = await blue.waitFor((message) => message.id === id, WAIT_MS);
    assert.equal(refused?.type, 'error', JSON.stringify(refused));
    const [error] = refused.payload as { message: string; extensions?: { code?: string } }[];
    assert.equal(error?.extensions?.code, 'NOT_FOUND', JSON.stringify(error));
    assert.match(error.message, /swarm/);
  }

  const seenBefore = () => ({
    a: lab.app.swarmState.describe(lab.alpha.id)?.eventsReceived ?? 0,
    b: instanceB.app.swarmState.describe(lab.alpha.id)?.eventsReceived ?? 0,
  });
  await waitUntil(
    'both instances watching alpha',
    () => {
      const a = lab.app.swarmState.describe(lab.alpha.id);
      const b = instanceB.app.swarmState.describe(lab.alpha.id);
      return Promise.resolve(a?.current && b?.current ? true : JSON.stringify({ a, b }));
    },
    WAIT_MS,
    50,
  );
  const seen = seenBefore();

  // The server subscribes to Redis after the subscribe message, with no acknowledgement: pause alpha-w2 (and set it
  // active again) until the subscriber has seen a pause.
  const isPause = (event: ReceivedSwarmEvent) =>
    event.type === 'node' &&
    event.action === 'update' &&
    event.actorName === 'alpha-w2' &&
    (JSON.parse(event.attributes) as Record<string, string>)['availability.new'] === 'pause';
  let received: ReceivedSwarmEvent | undefined;
  let latencyMs = 0;
  for (let attempt = 0; attempt < 5 && !received; attempt += 1) {
    const started = performance.now();
    await docker('node', 'update', '--availability', 'pause', 'alpha-w2');
    const message = await red.waitFor(
      (candidate) =>
        candidate.id === 'red' &&
        candidate.type === 'next' &&
        isPause((candidate.payload as { data: { swarmEvents: ReceivedSwarmEvent } }).data.swarmEvents),
      3000,
    );
    latencyMs = performance.now() - started;
    received = message && eventsOf(red, 'red').find(isPause);
    await docker('node', 'update', '--availability', 'active', 'alpha-w2');
  }
  assert.ok(received, `no pause event reached the subscriber: ${JSON.stringify(red.messages)}`);
  console.log(
    `swarmEvents delivered the pause of alpha-w2 ${latencyMs.toFixed(0)} ms after the CLI started: ` +
      JSON.stringify(received),
  );
  assert.equal(received.swarmId, lab.alpha.id);
  assert.ok(received.actorId.length > 0);
  assert.ok(Math.abs(Date.parse(received.time) - Date.now()) < 60_000, received.time);

  // The activation follows; both instances watch alpha, yet each event arrives once.
  await red.waitFor(
    (message) =>
      message.id === 'red' &&
      message.type === 'next' &&
      JSON.stringify(message.payload).includes('availability.new\\":\\"active'),
    WAIT_MS,
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const events = eventsOf(red, 'red');
  const identities = events.map((event) => `${event.type}:${event.action}:${event.actorId}:${event.time}`);
  assert.equal(new Set(identities).size, identities.length, `duplicates: ${JSON.stringify(events)}`);
  assert.ok(
    events.every((event) => event.swarmId === lab.alpha.id),
    'only alpha events',
  );
  const seenAfter = seenBefore();
  const pauses = events.filter(isPause).length;
  // Each instance saw every change (pause, active: twice as many as pauses at least), the subscriber each once.
  assert.ok(seenAfter.a - seen.a >= 2 * pauses, JSON.stringify({ seen, seenAfter, pauses }));
  assert.ok(seenAfter.b - seen.b >= 2 * pauses, JSON.stringify({ seen, seenAfter, pauses }));
  console.log(
    `events seen by instance A: ${seenAfter.a - seen.a}, by instance B: ${seenAfter.b - seen.b}; ` +
      `delivered to the subscriber: ${events.length} (no duplicates)`,
  );
  assert.deepEqual(eventsOf(blue, 'blue-by-name'), []);
  assert.deepEqual(eventsOf(blue, 'blue-by-id'), []);

  // The refused subscriptions never held the watcher; red's holds it until it goes away.
  assert.equal(instanceB.app.swarmState.describe(lab.alpha.id)?.subscriptions, 1);
  red.terminate();
  await waitUntil(
    "red's subscription released",
    () => {
      const watcher = instanceB.app.swarmState.describe(lab.alpha.id);
      return Promise.resolve(watcher?.subscriptions === 0 ? true : JSON.stringify(watcher));
    },
    WAIT_MS,
    50,
  );
});
