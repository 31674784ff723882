// What a chat message asks for: the bot's phrases, parsed into commands. Pure: no I/O, so every phrase is tested
// without a gateway (test/unit/examples/chatops-phrases.test.ts).
//
//   status <swarm>
//   drain|pause|activate <node> [on <swarm>] [because <reason>]
//   plan drain|pause|activate|promote|demote <node> [on <swarm>] [force] [because <reason>]
//   maintain <swarm> workers|managers|label <key[=value]>|nodes <a,b,...> [batch <n>] [pause <seconds>]
//            [because <reason>]
//   continue <job> <node>
//   resume <job>
//   approve <job> [because <reason>]
//   reject <job> because <reason>
//   job <job>
//   help

export type Availability = 'ACTIVE' | 'PAUSE' | 'DRAIN';
export type PlannedAction = 'drain' | 'pause' | 'activate' | 'promote' | 'demote';

/** Which nodes a maintenance takes. */
export type MaintenanceSelector =
  { role: 'WORKER' | 'MANAGER' } | { label: string } | { nodes: readonly string[] };

export type Command =
  | { kind: 'help' }
  | { kind: 'status'; swarm: string }
  | { kind: 'availability'; availability: Availability; node: string; swarm?: string; reason?: string }
  | { kind: 'plan'; action: PlannedAction; node: string; swarm?: string; force: boolean; reason?: string }
  | {
      kind: 'maintain';
      swarm: string;
      selector: MaintenanceSelector;
      batchSize?: number;
      /** Seconds to wait after each drain; absent: wait for `continue <job> <node>`. */
      pauseSeconds?: number;
      reason?: string;
    }
  | { kind: 'continue'; job: string; node: string }
  | { kind: 'resume'; job: string }
  | { kind: 'approve'; job: string; reason?: string }
  | { kind: 'reject'; job: string; reason: string }
  | { kind: 'job'; job: string }
  /** A known verb used wrongly: `message` says how it is used. */
  | { kind: 'invalid'; message: string }
  | { kind: 'unknown' };

/** The one-line answer to anything the bot does not understand. */
export const USAGE =
  'usage: status <swarm> | drain|pause|activate <node> [on <swarm>] [because <reason>] | ' +
  'plan <drain|pause|activate|promote|demote> <node> | maintain <swarm> workers|managers [pause <s>] | ' +
  'continue <job> <node> | resume <job> | approve <job> | reject <job> because <reason> | job <job> | help';

export const HELP = [
  'status <swarm>: the swarm, its quorum and its nodes',
  'drain <node> [on <swarm>] because <reason>: drains the node and follows the job until it ends',
  "pause <node> / activate <node> [on <swarm>]: sets the node's availability",
  'plan <drain|pause|activate|promote|demote> <node> [force]: what it would do, changing nothing',
  'maintain <swarm> workers|managers|label <k=v>|nodes <a,b> [batch <n>] [pause <seconds>]: rolling maintenance ' +
    '(without pause, each drained node waits for `continue <job> <node>`)',
  'continue <job> <node>: the node of a maintenance is patched, bring it back',
  'resume <job>: a maintenance paused on a failed step tries the step again',
  'approve <job> [because <reason>] / reject <job> because <reason>: decide on a job awaiting approval',
  'job <job>: where a job is',
];

/** A swarm, node or job reference: what the gateway accepts as a name, an id or an id prefix. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(=[^\s]{0,256})?$/;
const MAX_REASON = 500;

const invalid = (message: string): Command => ({ kind: 'invalid', message });

/** Splits off ` because <reason>`: the reason is everything after the first `because`, as typed. */
function splitReason(text: string): { head: string; reason?: string } {
  const match = /^(.*?)(?:^|\s+)because\s+(.+)$/is.exec(text);
  if (!match) return { head: text };
  return { head: match[1]!.trim(), reason: match[2]!.trim().slice(0, MAX_REASON) };
}

/** `<node> [on <swarm>]` */
function nodeAndSwarm(words: string[]): { node: string; swarm?: string } | null {
  const [node, on, swarm, ...rest] = words;
  if (node === undefined || !NAME.test(node) || rest.length > 0) return null;
  if (on === undefined) return { node };
  if ((on === 'on' || on === 'in') && swarm !== undefined && NAME.test(swarm)) return { node, swarm };
  return null;
}

const AVAILABILITY: Record<string, Availability> = { drain: 'DRAIN', pause: 'PAUSE', activate: 'ACTIVE' };
const PLANNED: readonly string[] = ['drain', 'pause', 'activate', 'promote', 'demote'];

export function parsePhrase(text: string): Command {
  const { head, reason } = splitReason(text.trim());
  const [verb = '', ...words] = head.split(/\s+/).filter((word) => word.length > 0);
  const withReason = reason === undefined ? {} : { reason };
  switch (verb.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'status': {
      const [swarm, ...rest] = words;
      if (swarm === undefined || !NAME.test(swarm) || rest.length > 0)
        return invalid('usage: status <swarm>');
      return { kind: 'status', swarm };
    }
    case 'drain':
    case 'pause':
    case 'activate': {
      const target = nodeAndSwarm(words);
      if (!target) return invalid(`usage: ${verb.toLowerCase()} <node> [on <swarm>] [because <reason>]`);
      return {
        kind: 'availability',
        availability: AVAILABILITY[verb.toLowerCase()]!,
        ...target,
        ...withReason,
      };
    }
    case 'plan':
      return parsePlan(words, withReason);
    case 'maintain':
      return parseMaintain(words, withReason);
    case 'continue': {
      const [job, node, ...rest] = words;
      if (job === undefined || node === undefined || !NAME.test(job) || !NAME.test(node) || rest.length > 0) {
        return invalid('usage: continue <job> <node>');
      }
      return { kind: 'continue', job, node };
    }
    case 'approve':
    case 'resume':
    case 'job': {
      const [job, ...rest] = words;
      const kind = verb.toLowerCase() as 'approve' | 'resume' | 'job';
      if (job === undefined || !NAME.test(job) || rest.length > 0) {
        return invalid(
          kind === 'approve' ? 'usage: approve <job> [because <reason>]' : `usage: ${kind} <job>`,
        );
      }
      return kind === 'approve' ? { kind, job, ...withReason } : { kind, job };
    }
    case 'reject': {
      const [job, ...rest] = words;
      // A rejection says why: the requester reads it in the job and the audit.
      if (job === undefined || !NAME.test(job) || rest.length > 0 || reason === undefined) {
        return invalid('usage: reject <job> because <reason>');
      }
      return { kind: 'reject', job, reason };
    }
    default:
      return { kind: 'unknown' };
  }
}

function parsePlan(words: string[], withReason: { reason?: string }): Command {
  const usage = 'usage: plan <drain|pause|activate|promote|demote> <node> [on <swarm>] [force]';
  const [action = '', ...rest] = words;
  const force = rest.at(-1) === 'force';
  const target = nodeAndSwarm(force ? rest.slice(0, -1) : rest);
  if (!PLANNED.includes(action.toLowerCase()) || !target) return invalid(usage);
  return { kind: 'plan', action: action.toLowerCase() as PlannedAction, ...target, force, ...withReason };
}

function parseMaintain(words: string[], withReason: { reason?: string }): Command {
  const usage =
    'usage: maintain <swarm> workers|managers|label <k=v>|nodes <a,b> [batch <n>] [pause <seconds>]';
  const [swarm, which, ...rest] = words;
  if (swarm === undefined || !NAME.test(swarm) || which === undefined) return invalid(usage);
  let selector: MaintenanceSelector;
  switch (which.toLowerCase()) {
    case 'workers':
      selector = { role: 'WORKER' };
      break;
    case 'managers':
      selector = { role: 'MANAGER' };
      break;
    case 'label': {
      const label = rest.shift();
      if (label === undefined || !LABEL.test(label)) return invalid(usage);
      selector = { label };
      break;
    }
    case 'nodes': {
      const nodes = (rest.shift() ?? '').split(',').filter((node) => node.length > 0);
      if (nodes.length === 0 || !nodes.every((node) => NAME.test(node))) return invalid(usage);
      selector = { nodes };
      break;
    }
    default:
      return invalid(usage);
  }
  const options: { batchSize?: number; pauseSeconds?: number } = {};
  while (rest.length > 0) {
    const [option = '', value = ''] = rest.splice(0, 2);
    if (!/^\d{1,5}$/.test(value)) return invalid(usage);
    if (option === 'batch' && options.batchSize === undefined) options.batchSize = Number(value);
    else if (option === 'pause' && options.pauseSeconds === undefined) options.pauseSeconds = Number(value);
    else return invalid(usage);
  }
  return { kind: 'maintain', swarm, selector, ...options, ...withReason };
}
