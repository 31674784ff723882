// Reads what `GET /services/{id}/logs` sends: the 8-byte frames of a multiplexed stream (stdout, stderr, or the
// engine's own error stream), and in each frame one log message as Docker writes it with `timestamps` and `details`:
// `<RFC 3339 time> <k=v,k=v,...> <line>`, the details holding the node, service and task the line came from. Pure:
// no I/O, so that the unit tests reach every case (frames split anywhere across chunks included).

/** Stream numbers of Docker's frame header (stdcopy): 1 stdout, 2 stderr, 3 the engine's own errors. */
export type FrameStream = 'stdout' | 'stderr' | 'system';

export interface LogFrame {
  stream: FrameStream;
  payload: Buffer;
}

const HEADER_BYTES = 8;
const STREAMS: Readonly<Record<number, FrameStream>> = { 0: 'stdout', 1: 'stdout', 2: 'stderr', 3: 'system' };
/** A frame longer than this is not one Docker writes (one message is cut at 16 KiB by the log drivers). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Splits a multiplexed stream into frames, whatever the chunks' boundaries: a header or a payload may arrive in
 * pieces. A header that no engine writes (unknown stream, an oversized length) throws: the stream is not what was
 * asked for, and reading on would only misread it.
 */
export class FrameDemuxer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The frames completed by `chunk`, in order. */
  push(chunk: Buffer): LogFrame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: LogFrame[] = [];
    for (;;) {
      if (this.pendingBytes < HEADER_BYTES) break;
      const head = this.peek(HEADER_BYTES);
      const stream = STREAMS[head[0]!];
      const length = head.readUInt32BE(4);
      if (stream === undefined || head[1] !== 0 || head[2] !== 0 || head[3] !== 0)
        throw new Error('not a multiplexed log stream: unknown frame header');
      if (length > MAX_FRAME_BYTES) throw new Error(`a log frame of ${length} bytes is over the limit`);
      if (this.pendingBytes < HEADER_BYTES + length) break;
      const all = this.take(HEADER_BYTES + length);
      frames.push({ stream, payload: all.subarray(HEADER_BYTES) });
    }
    return frames;
  }

  /** Bytes received that do not make a whole frame yet (a stream that ends here was cut short). */
  get buffered(): number {
    return this.pendingBytes;
  }

  private peek(bytes: number): Buffer {
    if (this.pending[0]!.length < bytes) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, bytes);
  }

  private take(bytes: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, bytes);
  }
}

/**
 * Splits a raw (not multiplexed) stream, as Docker sends the logs of a service whose containers have a TTY, into
 * newline-ended messages; all of them are stdout.
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LogFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: LogFrame[] = [];
    for (let newline = this.pending.indexOf(10); newline >= 0; newline = this.pending.indexOf(10)) {
      frames.push({ stream: 'stdout', payload: this.pending.subarray(0, newline + 1) });
      this.pending = this.pending.subarray(newline + 1);
    }
    if (this.pending.length > MAX_FRAME_BYTES) {
      frames.push({ stream: 'stdout', payload: this.pending });
      this.pending = Buffer.alloc(0);
    }
    return frames;
  }

  /** What is left when the stream ends (a last line without a newline). */
  flush(): LogFrame[] {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest.length > 0 ? [{ stream: 'stdout', payload: rest }] : [];
  }
}

/** One log message as Docker sent it, its prefix parsed. */
export interface ParsedLogMessage {
  /** Docker's timestamp (RFC 3339 with nanoseconds), or null when none was asked for or found. */
  time: string | null;
  /** The message without its prefix and without the newline that ends it. */
  line: string;
  nodeId: string | null;
  serviceId: string | null;
  taskId: string | null;
  /** Every detail Docker sent (the swarm's three and any the log driver added), decoded. */
  details: Record<string, string>;
}

export interface PrefixOptions {
  /** The request asked Docker for `timestamps`: each message starts with its time and a space. */
  timestamps: boolean;
  /** The request asked Docker for `details`: then come `k=v` pairs (query-escaped, comma-separated) and a space. */
  details: boolean;
}

const NODE_KEY = 'com.docker.swarm.node.id';
const SERVICE_KEY = 'com.docker.swarm.service.id';
const TASK_KEY = 'com.docker.swarm.task.id';
/** Docker's RFC3339NanoFixed, and the forms without fraction or with an offset that other engines may write. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** One or more `key=value` pairs as url.QueryEscape writes them (no space, no comma inside a pair). */
const DETAILS = /^[^\s=,]+=[^\s,]*(,[^\s=,]+=[^\s,]*)*$/;

/**
 * The message of one frame, its time and details taken off the front. A prefix that is not there (a line without
 * details, a time Docker did not write) is left in the line rather than guessed at: nothing of the line is lost.
 */
export function parseLogMessage(payload: Buffer | string, options: PrefixOptions): ParsedLogMessage {
  let rest = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (rest.endsWith('\n')) rest = rest.slice(0, rest.endsWith('\r\n') ? -2 : -1);
  let time: string | null = null;
  if (options.timestamps) {
    const space = rest.indexOf(' ');
    const candidate = space < 0 ? rest : rest.slice(0, space);
    if (TIMESTAMP.test(candidate)) {
      time = candidate;
      rest = space < 0 ? '' : rest.slice(space + 1);
    }
  }
  let details: Record<string, string> = {};
  if (options.details) {
    const space = rest.indexOf(' ');
    const candidate = space < 0 ? rest : rest.slice(0, space);
    const decoded = DETAILS.test(candidate) ? decodeDetails(candidate) : null;
    if (decoded !== null) {
      details = decoded;
      rest = space < 0 ? '' : rest.slice(space + 1);
    } else if (candidate === '' && space === 0) {
      // No details at all: Docker still writes the space that follows them.
      rest = rest.slice(1);
    }
  }
  return {
    time,
    line: rest,
    nodeId: details[NODE_KEY] ?? null,
    serviceId: details[SERVICE_KEY] ?? null,
    taskId: details[TASK_KEY] ?? null,
    details,
  };
}

/** `k=v,k=v` with query-escaped keys and values; null when a part does not decode (then it was not details). */
function decodeDetails(text: string): Record<string, string> | null {
  const details: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    try {
      const key = decodeQueryComponent(pair.slice(0, equals));
      details[key] = decodeQueryComponent(pair.slice(equals + 1));
    } catch {
      return null;
    }
  }
  return details;
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte. */
function decodeQueryComponent(text: string): string {
  return decodeURIComponent(text.replaceAll('+', ' '));
}

/** Docker's timestamp as milliseconds since the epoch (the fraction beyond milliseconds is dropped), or null. */
export function timeMillisOf(time: string | null): number | null {
  if (time === null) return null;
  const millis = Date.parse(time);
  return Number.isNaN(millis) ? null : millis;
}
