// The chatops bot: turns a chat user's phrase (./phrases.ts) into GraphQL calls made with a token for that user
// carrying the bot's act chain (./signer.ts), and answers in chat lines. A job it starts is followed until it ends:
// every change of its state or progress, from the jobUpdated subscription, becomes a line.
//
// It knows nothing of a chat service: `handle(user, text, reply)` is all an adapter calls (./line-adapter.ts reads
// stdin and writes stdout). Errors are answered as `error CODE: message`, never with a stack.
import {
  GatewayCallError,
  createGatewayClient,
  type GatewayClient,
  type WebSocketConstructor,
} from './client/transport.ts';
import {
  ApproveJobDocument,
  ContinueMaintenanceDocument,
  DemoteNodeDocument,
  JobDocument,
  JobUpdatedDocument,
  PromoteNodeDocument,
  RejectJobDocument,
  ResumeMaintenanceDocument,
  SetNodeAvailabilityDocument,
  StartMaintenanceDocument,
  SwarmNodeNamesDocument,
  SwarmStatusDocument,
  type JobLineFragment,
  type StartMaintenanceInput,
  type SwarmStatusQuery,
} from './client/generated/documents.ts';
import { HELP, USAGE, parsePhrase, type Command, type PlannedAction } from './phrases.ts';
import { UnknownUserError, type TokenSource } from './signer.ts';

export type Reply = (line: string) => void;

export interface ChatopsBotOptions {
  /** The gateway's GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql. */
  url: string;
  tokens: TokenSource;
  /** How often a followed job is also read, in case an update was published before the subscription started. */
  pollMs?: number;
  fetch?: typeof fetch;
  webSocket?: WebSocketConstructor;
  /** Where an unexpected failure is told in full (default: stderr); the chat only hears that there was one. */
  log?: (message: string) => void;
}

/** States after which a job changes no more. */
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

type Job = JobLineFragment;

export class ChatopsBot {
  private readonly pollMs: number;

  constructor(private readonly options: ChatopsBotOptions) {
    this.pollMs = options.pollMs ?? 5000;
  }

  /** Answers one message of `user`; resolves when the answer is complete (a followed job has ended). Never throws. */
  async handle(user: string, text: string, reply: Reply): Promise<void> {
    const command = parsePhrase(text);
    try {
      await this.run(this.clientFor(user), command, reply);
    } catch (error) {
      if (!(error instanceof GatewayCallError) && !(error instanceof UnknownUserError)) {
        (this.options.log ?? ((message) => process.stderr.write(`${message}\n`)))(
          `chatops-bot: ${user}'s "${command.kind}" failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      reply(errorLine(error));
    }
  }

  /** A client whose every call carries a fresh token for `user`. */
  private clientFor(user: string): GatewayClient {
    return createGatewayClient({
      url: this.options.url,
      token: () => this.options.tokens.tokenFor(user),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.webSocket ? { webSocket: this.options.webSocket } : {}),
    });
  }

  private async run(client: GatewayClient, command: Command, reply: Reply): Promise<void> {
    switch (command.kind) {
      case 'help':
        return HELP.forEach((line) => reply(line));
      case 'unknown':
        return reply(USAGE);
      case 'invalid':
        return reply(command.message);
      case 'status':
        return this.status(client, command.swarm, reply);
      case 'availability': {
        const swarm = command.swarm ?? (await this.swarmOf(client, command.node));
        const { setNodeAvailability: job } = await client.request(SetNodeAvailabilityDocument, {
          input: {
            swarm,
            node: command.node,
            availability: command.availability,
            ...(command.reason === undefined ? {} : { reason: command.reason }),
          },
        });
        return this.follow(client, job, reply);
      }
      case 'plan':
        return this.plan(client, command, reply);
      case 'job': {
        const { job } = await client.request(JobDocument, { id: command.job });
        if (!job) throw new GatewayCallError('NOT_FOUND', `no job ${command.job}`);
        return reply(jobLine(job, true));
      }
      case 'maintain': {
        const { startMaintenance: job } = await client.request(StartMaintenanceDocument, {
          input: maintenanceInput(command),
        });
        return this.follow(client, job, reply);
      }
      case 'continue': {
        const input = { job: command.job, node: command.node };
        const { continueMaintenance: job } = await client.request(ContinueMaintenanceDocument, { input });
        return reply(`continue sent for ${command.node}: ${jobLine(job, true)}`);
      }
      case 'resume': {
        const { resumeMaintenance: job } = await client.request(ResumeMaintenanceDocument, {
          input: { job: command.job },
        });
        return reply(`resumed: ${jobLine(job, true)}`);
      }
      case 'approve': {
        const input = {
          id: command.job,
          ...(command.reason === undefined ? {} : { reason: command.reason }),
        };
        const { approveJob: job } = await client.request(ApproveJobDocument, { input });
        return reply(`approved: ${jobLine(job, true)}`);
      }
      case 'reject': {
        const { rejectJob: job } = await client.request(RejectJobDocument, {
          input: { id: command.job, reason: command.reason },
        });
        return reply(`rejected: ${jobLine(job, true)}`);
      }
    }
  }

  /** `status <swarm>`: one line for the swarm and its quorum, then `docker node ls` as a table. */
  private async status(client: GatewayClient, ref: string, reply: Reply): Promise<void> {
    const { swarm } = await client.request(SwarmStatusDocument, { swarm: ref });
    if (!swarm) throw new GatewayCallError('NOT_FOUND', `no swarm ${ref}`);
    const quorum = swarm.quorum;
    reply(
      `swarm ${swarm.name}: ${swarm.status.state}${swarm.status.message ? ` (${clean(swarm.status.message)})` : ''}, ` +
        `${count(swarm.info?.nodes, 'node')}, ${count(swarm.info?.managers, 'manager')}` +
        (quorum
          ? `; quorum ${quorum.hasQuorum ? 'held' : 'LOST'}: ${quorum.reachable}/${quorum.managers} managers ` +
            `reachable, ${quorum.needed} needed, tolerates ${count(quorum.tolerates, 'failure')}`
          : ''),
    );
    table(nodeRows(swarm), reply);
  }

  /** The swarm a node named without one is in: the one swarm of the user's tenant that has it. */
  private async swarmOf(client: GatewayClient, node: string): Promise<string> {
    // Partial: a swarm that cannot be reached must not hide the node in another.
    const { data } = await client.requestPartial(SwarmNodeNamesDocument, {});
    const swarms = (data?.swarms ?? []).filter((swarm) =>
      (swarm.nodes?.items ?? []).some((item) => item.hostname === node || item.id === node),
    );
    if (swarms.length === 1) return swarms[0]!.name;
    if (swarms.length === 0) {
      throw new GatewayCallError(
        'NOT_FOUND',
        `no node ${node} in your swarms (name one: ... ${node} on <swarm>)`,
      );
    }
    const names = swarms.map((swarm) => swarm.name).join(', ');
    throw new GatewayCallError(
      'BAD_INPUT',
      `${node} is in swarms ${names}: say which, as ... ${node} on <swarm>`,
    );
  }

  /** `plan <action> <node>`: the mutation with dryRun, whose answer is a plan; a refusal is the plan's answer too. */
  private async plan(
    client: GatewayClient,
    command: Extract<Command, { kind: 'plan' }>,
    reply: Reply,
  ): Promise<void> {
    const swarm = command.swarm ?? (await this.swarmOf(client, command.node));
    const what = `${command.action} ${command.node} on ${swarm}`;
    let job: Job;
    try {
      job = await this.dryRun(client, command.action, {
        swarm,
        node: command.node,
        force: command.force,
        reason: command.reason ?? 'plan asked in chat',
      });
    } catch (error) {
      if (!(error instanceof GatewayCallError) || !isRefusal(error.code)) throw error;
      return reply(`plan: ${what} would be refused: ${error.code}: ${clean(error.message)}`);
    }
    planLines(what, job.plan, reply);
  }

  private async dryRun(
    client: GatewayClient,
    action: PlannedAction,
    input: { swarm: string; node: string; force: boolean; reason: string },
  ): Promise<Job> {
    const { swarm, node, reason } = input;
    switch (action) {
      case 'promote':
        return (await client.request(PromoteNodeDocument, { input: { ...input, dryRun: true } })).promoteNode;
      case 'demote':
        return (await client.request(DemoteNodeDocument, { input: { ...input, dryRun: true } })).demoteNode;
      default: {
        const availability = ({ drain: 'DRAIN', pause: 'PAUSE', activate: 'ACTIVE' } as const)[action];
        const { setNodeAvailability } = await client.request(SetNodeAvailabilityDocument, {
          input: { swarm, node, availability, reason, dryRun: true },
        });
        return setNodeAvailability;
      }
    }
  }

  /**
   * Follows `job` until it ends, a line per change: updates from the jobUpdated subscription, and a read every
   * pollMs, which also catches an update published before the subscription started (the subscription sends no
   * current state) and keeps the job followed if the subscription drops.
   */
  private async follow(client: GatewayClient, job: Job, reply: Reply): Promise<void> {
    reply(jobLine(job, true));
    if (ENDED.has(job.state)) return;
    let last = lineKey(job);
    const nodes = new Map(job.maintenanceNodes.map((node) => [node.hostname, nodeLine(job, node)]));
    let finished!: () => void;
    const ended = new Promise<void>((resolve) => (finished = resolve));
    let done = false;
    const see = (update: Job) => {
      if (done) return;
      // A maintenance's nodes first: the job's own line closes a change (and the whole answer, at the end).
      for (const node of update.maintenanceNodes) {
        const line = nodeLine(update, node);
        if (nodes.get(node.hostname) !== line) reply(line);
        nodes.set(node.hostname, line);
      }
      if (lineKey(update) === last) return;
      last = lineKey(update);
      reply(jobLine(update, false));
      if (ENDED.has(update.state)) {
        done = true;
        finished();
      }
    };
    const subscription = await client.subscribe(JobUpdatedDocument, { id: job.id }).catch(() => null);
    const streamed = (async () => {
      if (!subscription) return;
      try {
        for await (const update of subscription) {
          see(update.jobUpdated);
          if (done) break;
        }
      } catch {
        // The reads below go on following the job.
      }
    })();
    try {
      while (!done) {
        const { job: now } = await client.request(JobDocument, { id: job.id });
        if (now) see(now);
        if (done) break;
        await Promise.race([ended, sleep(this.pollMs)]);
      }
    } finally {
      done = true;
      subscription?.close();
      await streamed;
    }
  }
}

/** A line for a job: the first one names it in full (its id is what approve, continue and job take). */
function jobLine(job: Job, first: boolean): string {
  const target = [
    job.target.nodeName ?? job.target.serviceName,
    job.target.swarmName && `on ${job.target.swarmName}`,
  ]
    .filter(Boolean)
    .join(' ');
  const head = first
    ? `job ${job.id} (${job.type}${target ? ` ${target}` : ''})`
    : `${job.type}${target ? ` ${target}` : ''}`;
  const progress =
    job.state === 'RUNNING' || ENDED.has(job.state)
      ? ` ${job.progress.percent}%${job.progress.step ? ` ${job.progress.step}` : ''}` +
        (job.progress.message ? `: ${clean(job.progress.message)}` : '')
      : '';
  const failure = job.errorCode
    ? ` - ${job.errorCode}${job.errorMessage ? `: ${clean(job.errorMessage)}` : ''}`
    : '';
  return `${head}: ${job.state}${progress}${failure}${awaiting(job)}`;
}

/** What a job AWAITING_APPROVAL waits for, and how to give it. */
function awaiting(job: Job): string {
  if (job.state !== 'AWAITING_APPROVAL' || !job.approvals) return '';
  const { required, role, given, expiresAt } = job.approvals;
  return (
    ` - ${given.length}/${required} approval(s) by another ${role} until ${expiresAt}` +
    `: approve ${job.id} | reject ${job.id} because <reason>`
  );
}

/** A line for one node of a maintenance: `swarm.maintenance on beta: beta-w1 DRAINED: message`. */
function nodeLine(job: Job, node: Job['maintenanceNodes'][number]): string {
  const where = job.target.swarmName ? ` on ${job.target.swarmName}` : '';
  return `${job.type}${where}: ${node.hostname} ${node.state}${node.message ? `: ${clean(node.message)}` : ''}`;
}

/** startMaintenance's input for `maintain ...`: without a pause, each drained node waits for `continue`. */
function maintenanceInput(command: Extract<Command, { kind: 'maintain' }>): StartMaintenanceInput {
  const { selector } = command;
  return {
    swarm: command.swarm,
    ...('role' in selector ? { role: selector.role } : {}),
    ...('label' in selector ? { label: selector.label } : {}),
    ...('nodes' in selector ? { nodes: selector.nodes } : {}),
    ...(command.batchSize === undefined ? {} : { batchSize: command.batchSize }),
    ...(command.pauseSeconds === undefined
      ? { waitForSignal: true }
      : { pauseSeconds: command.pauseSeconds }),
    ...(command.reason === undefined ? {} : { reason: command.reason }),
  };
}

/** What makes two lines of a job differ: a repeated update prints nothing. */
const lineKey = (job: Job) => jobLine(job, false);

function nodeRows(swarm: NonNullable<SwarmStatusQuery['swarm']>): string[][] {
  const rows = (swarm.nodes?.items ?? []).map((node) => [
    node.hostname,
    node.role.toLowerCase(),
    node.availability.toLowerCase(),
    node.state.toLowerCase(),
    node.managerStatus?.toLowerCase() ?? '-',
    node.engineVersion ?? '-',
  ]);
  return [['HOSTNAME', 'ROLE', 'AVAILABILITY', 'STATE', 'MANAGER', 'ENGINE'], ...rows];
}

/** `3 nodes`, `1 manager`, `? nodes` when unknown. */
function count(value: number | null | undefined, noun: string): string {
  return `${value ?? '?'} ${noun}${value === 1 ? '' : 's'}`;
}

/** Rows as aligned columns, one reply line each. */
function table(rows: string[][], reply: Reply): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows)
    reply(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}

/** A plan's JSON as lines: its summary, the quorum effect, the tasks that would move and those that would not fit. */
function planLines(what: string, planText: string | null, reply: Reply): void {
  const plan = parseJson(planText);
  if (!plan) return reply(`plan: ${what}: the gateway answered no plan`);
  reply(`plan: ${what}: ${typeof plan.summary === 'string' ? clean(plan.summary) : 'see below'}`);
  const quorum = plan.quorum as Record<string, unknown> | null | undefined;
  if (quorum && typeof quorum === 'object') {
    reply(
      `  quorum: managers ${String(quorum.managersBefore)} -> ${String(quorum.managersAfter)}, ` +
        `tolerates ${String(quorum.toleratesBefore)} -> ${String(quorum.toleratesAfter)}` +
        (quorum.evenAfter === true ? ', even number of managers after' : '') +
        (typeof quorum.wouldRefuse === 'string' ? `, without force: ${quorum.wouldRefuse}` : ''),
    );
  }
  for (const key of ['tasks', 'unschedulable', 'stopping'] as const) {
    const list = plan[key];
    if (!Array.isArray(list)) continue;
    const names = list.map((item) => taskName(item)).filter(Boolean);
    reply(
      `  ${key === 'tasks' ? 'tasks to move' : key}: ${list.length}${names.length ? ` (${names.join(', ')})` : ''}`,
    );
  }
}

function taskName(item: unknown): string {
  if (!item || typeof item !== 'object') return '';
  const task = item as { service?: unknown; slot?: unknown; reason?: unknown; candidates?: unknown };
  const name = typeof task.service === 'string' ? task.service : '';
  const slot = typeof task.slot === 'number' ? `.${task.slot}` : '';
  const reason = typeof task.reason === 'string' ? `: ${clean(task.reason)}` : '';
  const candidates =
    Array.isArray(task.candidates) && task.candidates.length > 0 ? ` -> ${task.candidates.join('|')}` : '';
  return name ? `${name}${slot}${candidates}${reason}` : '';
}

function parseJson(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Codes by which the gateway refuses a request as asked: for a plan, that refusal is the answer. */
function isRefusal(code: string): boolean {
  return ['QUORUM_AT_RISK', 'CONFLICT'].includes(code);
}

/** `error CODE: message`; anything but the gateway's or the transport's own error is not detailed. */
export function errorLine(error: unknown): string {
  if (error instanceof GatewayCallError)
    return `error ${error.code}: ${clean(notAvailable(error) ?? error.message)}`;
  if (error instanceof UnknownUserError) return `error UNAUTHENTICATED: ${clean(error.message)}`;
  return 'error INTERNAL: the bot could not do that (its log says why)';
}

/** A gateway without a field the bot asks for (an older one) answers a validation error naming it. */
function notAvailable(error: GatewayCallError): string | null {
  const match = /Cannot query field "(\w+)" on type "(Mutation|Query|Subscription)"/.exec(error.message);
  return match ? `${match[1]} is not available on this gateway` : null;
}

/** One line of plain text: control characters (a newline would start a new chat line) become spaces. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
