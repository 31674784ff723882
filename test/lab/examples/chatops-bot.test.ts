// The chatops bot (examples/chatops-bot/) against a gateway on the lab, driven through its line adapter as a chat
// would: users alice (operator), bob (admin) and carol (viewer) of tenant blue, which holds swarm beta. The bot mints
// each user's token with its act chain and uses the typed client; a drain's progress streams into the chat.
// Only beta is changed: beta-w1 is drained and set active again (also when a test fails), and the sgT- services made
// here are removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { ChatopsBot, errorLine } from '../../../examples/chatops-bot/bot.ts';
import {
  JobDocument,
  JobUpdatedDocument,
  SwarmStatusDocument,
} from '../../../examples/chatops-bot/client/generated/documents.ts';
import { createGatewayClient, GatewayCallError } from '../../../examples/chatops-bot/client/transport.ts';
import { runLineAdapter } from '../../../examples/chatops-bot/line-adapter.ts';
import { USAGE } from '../../../examples/chatops-bot/phrases.ts';
import { createLocalSigner, parseUserDirectory } from '../../../examples/chatops-bot/signer.ts';
import { TEST_JWT_SECRET } from '../../helper.ts';
import { dataOf, gql } from '../../helpers/graphql.ts';
import { isolatedRedisUrl } from '../../helpers/jobs.ts';
import {
  createSlowService,
  dockerFor,
  labEngine,
  nodeByHostname,
  removeServices,
  runningOn,
  setActive,
  waitUntil,
} from '../../helpers/lab.ts';
import { setupRedBlue, type RedBlue } from '../../helpers/red-blue.ts';

const NODE = 'beta-w1';
const RUN = randomUUID().slice(0, 6);
const USERS = 'alice=operator,bob=admin,carol=viewer,dave=admin';

let lab: RedBlue;
let url: string;
let bot: ChatopsBot;
const services: string[] = [];

/** The bot's signer for the users of a tenant's chat. */
const signerFor = (tenant: string) =>
  createLocalSigner({ secret: TEST_JWT_SECRET, tenant, users: parseUserDirectory(USERS) });

const manager = (): Docker => dockerFor(labEngine(lab.inventory, 'beta-m1'));
const availability = async () => (await nodeByHostname(manager(), NODE, 'beta')).Spec.Availability;

/** A chat on the line adapter: messages go in as `<user>: <phrase>`, replies are collected as they are written. */
class Chat {
  readonly lines: string[] = [];
  /** Messages and replies in the order they were written (the README's transcript is one). */
  readonly transcript: string[] = [];
  private readonly input = new PassThrough();
  private readonly output = new PassThrough();
  readonly running: Promise<void>;

  constructor(chatBot: ChatopsBot) {
    this.running = runLineAdapter(chatBot, this.input, this.output);
    createInterface({ input: this.output }).on('line', (line) => {
      this.lines.push(line);
      this.transcript.push(line);
    });
  }

  /** Sends a message; answers the index of the first reply that can belong to it. */
  say(user: string, text: string): number {
    const from = this.lines.length;
    this.transcript.push(`${user}: ${text}`);
    this.input.write(`${user}: ${text}\n`);
    return from;
  }

  /** The first reply from index `from` on matching `pattern`; fails showing the chat when none comes in time. */
  async until(pattern: RegExp, from: number, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines.slice(from)) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      if (Date.now() > deadline) assert.fail(`no reply matching ${pattern} in:\n${this.lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ends the input and waits until every answer is complete; prints the transcript. */
  async close(): Promise<void> {
    this.input.end();
    await this.running;
    console.log(`transcript:\n${this.transcript.join('\n')}`);
  }
}

before(async () => {
  lab = await setupRedBlue({ REDIS_URL: isolatedRedisUrl() });
  await lab.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(lab.app.server.address() as AddressInfo).port}/graphql`;
  bot = new ChatopsBot({ url, tokens: signerFor('blue'), pollMs: 1000 });
});

after(async () => {
  try {
    await removeServices(manager(), services);
  } finally {
    try {
      await setActive(manager(), NODE, 'beta');
    } finally {
      await lab?.subject.close();
    }
  }
});

test("status, help, an unknown phrase, an unknown user and another tenant's swarm", async () => {
  const chat = new Chat(bot);
  try {
    let from = chat.say('carol', 'status beta');
    await chat.until(/^@carol swarm beta: (OK|DEGRADED), \d+ nodes?, \d+ managers?; quorum held: /, from);
    await chat.until(/^@carol HOSTNAME\s+ROLE\s+AVAILABILITY\s+STATE\s+MANAGER\s+ENGINE$/, from);
    await chat.until(/^@carol beta-m1\s+manager\s+active\s+ready\s+leader\s+\S+$/, from);
    await chat.until(/^@carol beta-w1\s+worker\s+\w+\s+ready\s+-\s+\S+$/, from);

    from = chat.say('carol', 'help');
    await chat.until(/^@carol drain <node> \[on <swarm>\] because <reason>: /, from);

    from = chat.say('carol', 'please reboot everything');
    assert.equal((await chat.until(/^@carol usage: /, from)).input, `@carol ${USAGE}`);

    from = chat.say('carol', 'drain');
    await chat.until(/^@carol usage: drain <node> \[on <swarm>\] \[because <reason>\]$/, from);

    from = chat.say('mallory', 'status beta');
    await chat.until(/^@mallory error UNAUTHENTICATED: mallory is not in this bot's user directory/, from);

    // alpha is red's: for blue's users it does not exist.
    from = chat.say('bob', 'status alpha');
    await chat.until(/^@bob error NOT_FOUND: /, from);
    from = chat.say('bob', 'drain alpha-w1 because curiosity');
    await chat.until(/^@bob error NOT_FOUND: no node alpha-w1 in your swarms/, from);
    from = chat.say('bob', 'drain alpha-w1 on alpha because curiosity');
    await chat.until(/^@bob error NOT_FOUND: /, from);
  } finally {
    await chat.close();
  }
  // No reply carries a stack or more than one line's worth of text.
  for (const line of chat.lines) assert.doesNotMatch(line, /\n|\s+at \S+ \(/);
});

test("a viewer's drain is FORBIDDEN and changes nothing", async () => {
  const chat = new Chat(bot);
  try {
    const from = chat.say('carol', `drain ${NODE} because kernel patch`);
    await chat.until(/^@carol error FORBIDDEN: /, from);
  } finally {
    await chat.close();
  }
  assert.equal(await availability(), 'active');
});

test('drain beta-w1 because kernel patch: progress streams into the chat until SUCCEEDED; audited for alice through the bot; activate', async (t) => {
  t.after(() => setActive(manager(), NODE, 'beta'));
  const node = await nodeByHostname(manager(), NODE, 'beta');
  assert.equal(node.Spec.Availability, 'active', `${NODE} starts active`);
  // Three replicas spread over beta's nodes, each taking 3 s to stop: the drain has a task to move and takes a while.
  const id = await createSlowService(
    manager(),
    { name: `sgT-drain-${RUN}`, test: 'chatops-bot', graceSeconds: 3, replicas: 3, constraints: [] },
    services,
  );
  await waitUntil(
    `a task of sgT-drain-${RUN} to run on ${NODE}`,
    async () =>
      (await runningOn(manager(), node.ID, [id])).some((task) => task.Status.State === 'running') ||
      'none runs there yet',
    60_000,
  );

  // A bot that reads the job once only: every later line it writes came from the jobUpdated subscription.
  const streamingBot = new ChatopsBot({ url, tokens: signerFor('blue'), pollMs: 3_600_000 });
  const chat = new Chat(streamingBot);
  let jobId: string;
  try {
    let from = chat.say('alice', `drain ${NODE} because kernel patch`);
    jobId = (
      await chat.until(/^@alice job (\S+) \(node\.drain beta-w1 on beta\): (QUEUED|RUNNING)/, from)
    )[1]!;
    const ended = await chat.until(
      /^@alice node\.drain beta-w1 on beta: (SUCCEEDED|FAILED|CANCELLED).*$/,
      from,
      120_000,
    );
    assert.equal(ended[1], 'SUCCEEDED', ended[0]);
    const streamed = chat.lines.slice(from).filter((line) => line.startsWith('@alice node.drain'));
    // Progress came before the end: at least one RUNNING line with the drain's step and tasks left.
    assert.ok(
      streamed.some((line) => /: RUNNING \d+% draining: \d+ tasks? left$/.test(line)),
      `progress lines streamed: ${streamed.join(' | ')}`,
    );
    assert.match(streamed.at(-1)!, /: SUCCEEDED 100%/);
    assert.equal(await availability(), 'drain', 'docker node inspect: Availability drain');
    assert.deepEqual(
      (await runningOn(manager(), node.ID)).map((task) => `${task.ID} ${task.Status.State}`),
      [],
      'no task runs on the drained node',
    );

    from = chat.say('alice', `activate ${NODE}`);
    await chat.until(/^@alice job \S+ \(node\.activate beta-w1 on beta\): SUCCEEDED/, from);
    assert.equal(await availability(), 'active');
  } finally {
    await chat.close();
  }

  // The audit: asked by alice, through chatops-bot, with her reason.
  const { job } = dataOf(
    await gql<{ job: { operationId: string; requestedBy: { sub: string; actors: string[] } } }>(
      lab.app,
      lab.tokens.blueAdmin,
      'query ($id: ID!) { job(id: $id) { operationId requestedBy { sub actors } } }',
      { id: jobId },
    ),
  );
  assert.deepEqual(job.requestedBy, { sub: 'alice', actors: ['chatops-bot'] });
  const events = dataOf(
    await gql<{
      auditEvents: {
        items: {
          outcome: string;
          action: string;
          reason: string | null;
          actor: { sub: string; actors: string[] };
        }[];
      };
    }>(
      lab.app,
      lab.tokens.blueAdmin,
      'query ($op: ID) { auditEvents(filter: { operationId: $op }) { items { outcome action reason actor { sub actors } } } }',
      { op: job.operationId },
    ),
  ).auditEvents.items;
  assert.deepEqual(events.map((event) => event.outcome).sort(), ['REQUESTED', 'SUCCEEDED']);
  for (const event of events) {
    assert.equal(event.action, 'node.drain');
    assert.equal(event.reason, 'kernel patch');
    assert.deepEqual(event.actor, { sub: 'alice', actors: ['chatops-bot'] });
  }
});

test('main.ts runs the bot on stdin/stdout as a process', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chatops-bot/main.ts'], {
    env: {
      ...process.env,
      SWARMGATE_URL: url,
      SWARMGATE_JWT_SECRET: TEST_JWT_SECRET,
      CHATOPS_TENANT: 'blue',
      CHATOPS_USERS: USERS,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end('carol: status beta\nnot a message\ncarol: hello\n');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split('\n');
  assert.ok(lines.includes('expected a message as <user>: <phrase>'), stdout);
  assert.ok(lines.includes(`@carol ${USAGE}`), stdout);
  assert.ok(
    lines.some((line) => /^@carol swarm beta: /.test(line)),
    stdout,
  );
  assert.ok(
    lines.some((line) => /^@carol beta-w1\s+worker\s/.test(line)),
    stdout,
  );
});

/** blue's approval policy, set by its admin. */
async function setApprovalPolicy(rules: Record<string, unknown>[]): Promise<void> {
  dataOf(
    await gql(
      lab.app,
      lab.tokens.blueAdmin,
      'mutation ($input: SetApprovalPolicyInput!) { setApprovalPolicy(input: $input) { rules { action } } }',
      { input: { rules, reason: 'chatops bot test' } },
    ),
  );
}

test('a whole maintenance of beta-w1 with an approval, through the bot: refused self-approval, bob approves, alice continues', async (t) => {
  t.after(() => setActive(manager(), NODE, 'beta'));
  await setApprovalPolicy([
    { action: 'swarm.maintenance', approvals: 1, role: 'admin', expiresInMinutes: 10 },
  ]);
  t.after(() => setApprovalPolicy([]));
  assert.equal(await availability(), 'active', `${NODE} starts active`);

  const chat = new Chat(bot);
  let jobId: string;
  let from: number;
  try {
    from = chat.say('alice', `maintain beta nodes ${NODE} because kernel patch`);
    jobId = (
      await chat.until(
        /^@alice job (\S+) \(swarm\.maintenance on beta\): AWAITING_APPROVAL - 0\/1 approval\(s\) by another admin until \S+: approve \S+ \| reject \S+ because <reason>$/,
        from,
      )
    )[1]!;

    // Neither the requester through her bot nor a viewer may approve; nothing has happened yet.
    let at = chat.say('alice', `approve ${jobId}`);
    await chat.until(/^@alice error FORBIDDEN: /, at);
    at = chat.say('carol', `approve ${jobId}`);
    await chat.until(/^@carol error FORBIDDEN: /, at);
    assert.equal(await availability(), 'active', 'nothing is drained before the approval');

    at = chat.say('bob', `approve ${jobId} because the window is open`);
    await chat.until(
      new RegExp(`^@bob approved: job ${jobId} \\(swarm\\.maintenance on beta\\): (QUEUED|RUNNING)`),
      at,
    );

    // alice's chat follows the maintenance: the node drains, then waits for her signal.
    await chat.until(/^@alice swarm\.maintenance on beta: beta-w1 WAITING_SIGNAL/, from, 120_000);
    assert.equal(await availability(), 'drain', 'docker: beta-w1 is drained while it waits');
    at = chat.say('alice', `continue ${jobId} ${NODE}`);
    await chat.until(new RegExp(`^@alice continue sent for beta-w1: job ${jobId} `), at);
    const ended = await chat.until(
      /^@alice swarm\.maintenance on beta: (SUCCEEDED|FAILED|CANCELLED)\b.*$/,
      from,
      180_000,
    );
    assert.equal(ended[1], 'SUCCEEDED', ended.input);
  } finally {
    await chat.close();
  }
  assert.equal(await availability(), 'active', 'docker: beta-w1 is active again');
  // Per-node progress streamed in order, and the job's own end came last.
  const alice = chat.lines
    .slice(from)
    .filter((line) => line.startsWith('@alice swarm.maintenance on beta: '));
  const states = alice.flatMap((line) => /: beta-w1 ([A-Z_]+)/.exec(line)?.[1] ?? []);
  const order = ['DRAINING', 'WAITING_SIGNAL', 'DONE'].map((state) => states.indexOf(state));
  assert.ok(
    order.every((index, position) => index >= 0 && (position === 0 || index > order[position - 1]!)),
    `beta-w1 went DRAINING, WAITING_SIGNAL, DONE: ${states.join(' ')}`,
  );
  assert.match(alice.at(-1)!, /: SUCCEEDED/);

  // The audit: alice asked through the bot, bob approved, alice continued.
  const events = dataOf(
    await gql<{
      auditEvents: { items: { outcome: string; action: string; actor: { sub: string; actors: string[] } }[] };
    }>(
      lab.app,
      lab.tokens.blueAdmin,
      'query { auditEvents(first: 200) { items { outcome action actor { sub actors } } } }',
    ),
  ).auditEvents.items;
  const seen = (action: string, sub: string, outcome: string) =>
    events.some(
      (event) =>
        event.action === action &&
        event.outcome === outcome &&
        event.actor.sub === sub &&
        event.actor.actors.join() === 'chatops-bot',
    );
  assert.ok(
    seen('swarm.maintenance', 'alice', 'REQUESTED'),
    'alice asked for the maintenance through the bot',
  );
  assert.ok(seen('swarm.maintenance', 'alice', 'SUCCEEDED'), 'the maintenance succeeded, for alice');
  assert.ok(seen('job.approve', 'bob', 'SUCCEEDED'), 'bob approved through the bot');
  assert.ok(seen('job.approve', 'alice', 'REFUSED'), "alice's own approval was refused");
  assert.ok(seen('swarm.maintenance.continue', 'alice', 'SUCCEEDED'), 'alice continued through the bot');
});

test("a rejected maintenance ends CANCELLED in the requester's chat and drains nothing", async (t) => {
  t.after(() => setActive(manager(), NODE, 'beta'));
  await setApprovalPolicy([
    { action: 'swarm.maintenance', approvals: 1, role: 'admin', expiresInMinutes: 10 },
  ]);
  t.after(() => setApprovalPolicy([]));
  const chat = new Chat(bot);
  try {
    const from = chat.say('alice', `maintain beta nodes ${NODE} pause 1`);
    const jobId = (
      await chat.until(/^@alice job (\S+) \(swarm\.maintenance on beta\): AWAITING_APPROVAL/, from)
    )[1]!;
    let at = chat.say('bob', `reject ${jobId}`);
    await chat.until(/^@bob usage: reject <job> because <reason>$/, at);
    at = chat.say('bob', `reject ${jobId} because not in the change window`);
    await chat.until(
      new RegExp(`^@bob rejected: job ${jobId} \\(swarm\\.maintenance on beta\\): CANCELLED`),
      at,
    );
    const ended = await chat.until(
      /^@alice swarm\.maintenance on beta: (SUCCEEDED|FAILED|CANCELLED)\b.*$/,
      from,
    );
    assert.equal(ended[1], 'CANCELLED', ended.input);
    assert.match(ended.input, / - FORBIDDEN: /);
  } finally {
    await chat.close();
  }
  assert.equal(await availability(), 'active');
});

test("plans: a drain's tasks, a refused demote, a forced demote's quorum effect; nothing changes", async (t) => {
  const alphaManager = dockerFor(labEngine(lab.inventory, 'alpha-m1'));
  const roleOf = async () => (await nodeByHostname(alphaManager, 'alpha-m2', 'alpha')).Spec.Role;
  assert.equal(await roleOf(), 'manager');
  // A task that only beta-w1 may run: draining it would leave the task unschedulable, and the plan says so.
  const pinned = await createSlowService(
    manager(),
    {
      name: `sgT-pinned-${RUN}`,
      test: 'chatops-bot',
      graceSeconds: 0,
      replicas: 1,
      constraints: [`node.hostname==${NODE}`],
    },
    services,
  );
  t.after(() => removeServices(manager(), [pinned]));
  const node = await nodeByHostname(manager(), NODE, 'beta');
  await waitUntil(
    `sgT-pinned-${RUN} to run on ${NODE}`,
    async () =>
      (await runningOn(manager(), node.ID, [pinned])).some((task) => task.Status.State === 'running') ||
      'not running yet',
    60_000,
  );
  // dave is an admin of red, which holds alpha.
  const red = new Chat(new ChatopsBot({ url, tokens: signerFor('red'), pollMs: 1000 }));
  const blue = new Chat(bot);
  try {
    let from = blue.say('alice', `plan drain ${NODE}`);
    await blue.until(
      /^@alice plan: drain beta-w1 on beta: would drain beta-w1: \d+ task\(s\) move elsewhere, 1 unschedulable$/,
      from,
    );
    await blue.until(/^@alice {3}tasks to move: [1-9]\d*/, from);
    await blue.until(new RegExp(`^@alice {3}unschedulable: 1 \\(sgT-pinned-${RUN}\\.1: .+\\)$`), from);
    // beta has one manager: demoting it would lose the quorum, whatever force says.
    from = blue.say('bob', 'plan demote beta-m1 force');
    await blue.until(/^@bob plan: demote beta-m1 on beta would be refused: QUORUM_AT_RISK: /, from);

    from = red.say('dave', 'plan demote alpha-m2 because raft cleanup');
    await red.until(/^@dave plan: demote alpha-m2 on alpha would be refused: QUORUM_AT_RISK: .*even/i, from);
    from = red.say('dave', 'plan demote alpha-m2 force because raft cleanup');
    await red.until(/^@dave plan: demote alpha-m2 on alpha: /, from);
    await red.until(
      /^@dave {3}quorum: managers 3 -> 2, tolerates 1 -> 0, even number of managers after, without force: QUORUM_AT_RISK$/,
      from,
    );
    // Another tenant's node is not found, plan or not.
    from = blue.say('bob', 'plan demote alpha-m2 on alpha force');
    await blue.until(/^@bob error NOT_FOUND: /, from);
  } finally {
    await Promise.all([red.close(), blue.close()]);
  }
  assert.equal(await roleOf(), 'manager', 'docker: alpha-m2 is still a manager');
  assert.equal(await availability(), 'active');
});

test("the typed client alone: a query, refusals with their codes, another tenant's job neither read nor watched", async () => {
  const signer = signerFor('blue');
  const client = createGatewayClient({ url, token: () => signer.tokenFor('carol') });
  const { swarm } = await client.request(SwarmStatusDocument, { swarm: 'beta' });
  assert.equal(swarm?.name, 'beta');
  assert.ok(swarm?.nodes?.items.some((node) => node.hostname === NODE && node.role === 'WORKER'));

  const refused = (code: string) => (error: unknown) =>
    error instanceof GatewayCallError && error.code === code && !error.message.includes('at ');
  await assert.rejects(client.request(SwarmStatusDocument, { swarm: 'alpha' }), refused('NOT_FOUND'));
  const anonymous = createGatewayClient({ url, token: () => 'not-a-token' });
  await assert.rejects(anonymous.request(SwarmStatusDocument, { swarm: 'beta' }), refused('UNAUTHENTICATED'));
  const nowhere = createGatewayClient({
    url: 'http://127.0.0.1:1/graphql',
    token: () => 'x',
    timeoutMs: 2000,
  });
  await assert.rejects(nowhere.request(SwarmStatusDocument, { swarm: 'beta' }), refused('UNREACHABLE'));

  // A gateway without a field the bot asks for (an older one): the bot says so instead of quoting the validation.
  const missing = parse('mutation { launchMaintenanceRockets }') as TypedDocumentNode<
    unknown,
    Record<string, never>
  >;
  const unknownField = await client.request(missing, {}).catch((error: unknown) => error);
  assert.ok(unknownField instanceof GatewayCallError, String(unknownField));
  assert.match(
    errorLine(unknownField),
    /^error \S+: launchMaintenanceRockets is not available on this gateway$/,
  );

  // A job of blue (activating beta-w1, active already: a quick job that changes nothing): blue's client reads it,
  // red's reads and watches nothing of it.
  const { setNodeAvailability: blueJob } = dataOf(
    await gql<{ setNodeAvailability: { id: string } }>(
      lab.app,
      lab.tokens.blueAdmin,
      'mutation ($input: SetNodeAvailabilityInput!) { setNodeAvailability(input: $input) { id } }',
      { input: { swarm: 'beta', node: NODE, availability: 'ACTIVE' } },
    ),
  );
  assert.equal((await client.request(JobDocument, { id: blueJob.id })).job?.id, blueJob.id);
  const redSigner = signerFor('red');
  const red = createGatewayClient({ url, token: () => redSigner.tokenFor('dave') });
  await assert.rejects(red.request(JobDocument, { id: blueJob.id }), refused('NOT_FOUND'));
  const subscription = await red.subscribe(JobUpdatedDocument, { id: blueJob.id });
  await assert.rejects(
    (async () => {
      for await (const update of subscription)
        assert.fail(`an update of blue's job: ${JSON.stringify(update)}`);
    })(),
    refused('NOT_FOUND'),
  );
});
