// The reading of `GET /services/{id}/logs`: Docker's 8-byte frames split anywhere across chunks, stdout vs stderr vs
// the engine's own errors, the timestamp and details prefix (Docker 20.10's exact bytes), a line without details, and
// the options (tail, since, bounds) as the operation checks and caps them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FrameDemuxer,
  LineSplitter,
  parseLogMessage,
  timeMillisOf,
  type LogFrame,
} from '../../../src/docker/service-logs-parse.ts';
import { isGatewayError } from '../../../src/errors.ts';
import { parseSince, resolveLogOptions } from '../../../src/operations/service-logs.ts';

const NODE = 'sxzcxt7psvsw7gmkt3p3odekg';
const SERVICE = 'rcdkf14575e6rr7y9ek5mqdfs';
const TASK = 'b0j7tom4m6ighuvop58mtbgh0';
/** A message as Docker 20.10 writes it with timestamps=1&details=1 (copied from a lab engine's answer). */
const MESSAGE =
  `2026-12-08T00:15:33.108045572Z com.docker.swarm.node.id=${NODE},com.docker.swarm.service.id=${SERVICE},` +
  `com.docker.swarm.task.id=${TASK} tick 5\n`;

function frame(stream: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const text = (frames: LogFrame[]) => frames.map((f) => `${f.stream}:${f.payload.toString()}`);

test('frames split at every possible byte come out whole and in order', () => {
  const bytes = Buffer.concat([
    frame(1, 'out one\n'),
    frame(2, 'err one\n'),
    frame(1, ''),
    frame(3, 'oops\n'),
  ]);
  const expected = ['stdout:out one\n', 'stderr:err one\n', 'stdout:', 'system:oops\n'];
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    const demuxer = new FrameDemuxer();
    const frames = [...demuxer.push(bytes.subarray(0, cut)), ...demuxer.push(bytes.subarray(cut))];
    assert.deepEqual(text(frames), expected, `cut at ${cut}`);
    assert.equal(demuxer.buffered, 0);
  }
  // One byte at a time.
  const demuxer = new FrameDemuxer();
  const frames: LogFrame[] = [];
  for (const byte of bytes) frames.push(...demuxer.push(Buffer.from([byte])));
  assert.deepEqual(text(frames), expected);
});

test('an incomplete frame waits for its bytes; a header no engine writes is refused', () => {
  const demuxer = new FrameDemuxer();
  const whole = frame(2, 'partial line\n');
  assert.deepEqual(demuxer.push(whole.subarray(0, 10)), []);
  assert.equal(demuxer.buffered, 10);
  assert.deepEqual(text(demuxer.push(whole.subarray(10))), ['stderr:partial line\n']);
  assert.throws(() => new FrameDemuxer().push(Buffer.from('HTTP/1.1 200 OK\r\n')), /unknown frame header/);
  const huge = Buffer.alloc(8);
  huge[0] = 1;
  huge.writeUInt32BE(0xffffffff, 4);
  assert.throws(() => new FrameDemuxer().push(huge), /over the limit/);
});

test('stdout and stderr frames stay apart', () => {
  const demuxer = new FrameDemuxer();
  const frames = demuxer.push(Buffer.concat([frame(1, MESSAGE), frame(2, MESSAGE.replace('tick', 'err'))]));
  assert.deepEqual(
    frames.map((f) => f.stream),
    ['stdout', 'stderr'],
  );
  assert.equal(parseLogMessage(frames[1]!.payload, { timestamps: true, details: true }).line, 'err 5');
});

test('the timestamp and the details prefix are parsed: node, service and task of the line', () => {
  const parsed = parseLogMessage(Buffer.from(MESSAGE), { timestamps: true, details: true });
  assert.equal(parsed.time, '2026-12-08T00:15:33.108045572Z');
  assert.equal(parsed.line, 'tick 5');
  assert.equal(parsed.nodeId, NODE);
  assert.equal(parsed.serviceId, SERVICE);
  assert.equal(parsed.taskId, TASK);
  assert.equal(timeMillisOf(parsed.time), Date.parse('2026-12-08T00:15:33.108Z'));
});

test('details are query-unescaped, and a line keeps its own spaces and equals signs', () => {
  const parsed = parseLogMessage(
    `2026-12-08T00:15:33Z com.docker.swarm.task.id=t1,my+label=a%2Cb%3Dc  key=value with  spaces\n`,
    { timestamps: true, details: true },
  );
  assert.equal(parsed.time, '2026-12-08T00:15:33Z');
  assert.deepEqual(parsed.details, { 'com.docker.swarm.task.id': 't1', 'my label': 'a,b=c' });
  assert.equal(parsed.line, ' key=value with  spaces');
  assert.equal(parsed.nodeId, null);
});

test('a line without details keeps all its words; without timestamps none is taken', () => {
  const plain = parseLogMessage('hello world\n', { timestamps: false, details: true });
  assert.deepEqual(
    { time: plain.time, line: plain.line, taskId: plain.taskId },
    {
      time: null,
      line: 'hello world',
      taskId: null,
    },
  );
  // Docker writes the space after empty details.
  assert.equal(
    parseLogMessage(' only the line\n', { timestamps: false, details: true }).line,
    'only the line',
  );
  // A timestamp that is not asked for stays in the line.
  assert.equal(
    parseLogMessage('2026-12-08T00:15:33Z text\n', { timestamps: false, details: false }).line,
    '2026-12-08T00:15:33Z text',
  );
  // Asked for but absent: the line is left whole.
  const missing = parseLogMessage('no time here\n', { timestamps: true, details: false });
  assert.deepEqual([missing.time, missing.line], [null, 'no time here']);
  // CRLF and a last line without a newline.
  assert.equal(parseLogMessage('windows\r\n', { timestamps: false, details: false }).line, 'windows');
  assert.equal(parseLogMessage('cut', { timestamps: false, details: false }).line, 'cut');
});

test('a TTY service sends raw lines: split on newlines, a last line flushed', () => {
  const splitter = new LineSplitter();
  const frames = [...splitter.push(Buffer.from('one\ntw')), ...splitter.push(Buffer.from('o\nthree'))];
  assert.deepEqual(text(frames), ['stdout:one\n', 'stdout:two\n']);
  assert.deepEqual(text(splitter.flush()), ['stdout:three']);
});

const SETTINGS = {
  role: 'operator',
  maxLines: 100,
  maxBytes: 10_000,
  idleSeconds: 60,
  maxSeconds: 600,
} as const;

test("since: RFC 3339, Unix seconds and durations become Docker's Unix seconds; anything else is BAD_INPUT", () => {
  const now = new Date('2026-12-08T00:00:00Z');
  assert.equal(
    parseSince('2026-12-08T00:00:01.5Z', now),
    `${Date.parse('2026-12-08T00:00:01Z') / 1000}.500000000`,
  );
  assert.equal(parseSince('1714564800', now), '1714564800');
  assert.equal(parseSince('1714564800.25', now), '1714564800.25');
  assert.equal(parseSince('10m', now), ((now.getTime() - 600_000) / 1000).toFixed(3));
  assert.equal(parseSince('1h30m', now), ((now.getTime() - 5_400_000) / 1000).toFixed(3));
  for (const bad of ['', 'yesterday', '10x', '-5', '2026-13-45', '1e9']) {
    assert.throws(
      () => parseSince(bad, now),
      (error: unknown) => isGatewayError(error) && error.code === 'BAD_INPUT' && /since/.test(error.message),
      bad,
    );
  }
});

test('options: tail, both streams off, and bounds that may only lower the caps', () => {
  const resolved = resolveLogOptions(
    { swarm: 's', service: 'x', tail: '3', lines: 5, bytes: 1_000_000 },
    SETTINGS,
  );
  assert.equal(resolved.tail, 3);
  assert.equal(resolved.lines, 5, 'a lower bound is kept');
  assert.equal(resolved.bytes, 10_000, 'a higher bound is lowered to the cap');
  assert.equal(resolved.idleSeconds, 60);
  assert.equal(resolveLogOptions({ swarm: 's', service: 'x' }, SETTINGS).tail, 'all');
  const badInput = (field: RegExp) => (error: unknown) =>
    isGatewayError(error) && error.code === 'BAD_INPUT' && field.test(error.message);
  assert.throws(
    () => resolveLogOptions({ swarm: 's', service: 'x', tail: '-1' }, SETTINGS),
    badInput(/tail/),
  );
  assert.throws(() => resolveLogOptions({ swarm: 's', service: 'x', lines: 0 }, SETTINGS), badInput(/lines/));
  assert.throws(
    () => resolveLogOptions({ swarm: 's', service: 'x', stdout: false, stderr: false }, SETTINGS),
    badInput(/stdout and stderr/),
  );
});
