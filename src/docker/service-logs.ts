// `docker service logs`: the one Engine API call (GET /services/{id}/logs) over a connection of its own, and the
// Transform that turns its bytes into parsed messages. Docker is always asked for timestamps (each line's time) and
// details (the node, service and task of each line); what the client asked for decides only what it is shown.
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { SwarmClient } from './swarm-client.ts';
import {
  FrameDemuxer,
  LineSplitter,
  parseLogMessage,
  type LogFrame,
  type ParsedLogMessage,
} from './service-logs-parse.ts';

export interface EngineLogsQuery {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Docker's `tail`: a count of lines per task, or 'all'. */
  tail: number | 'all';
  /** Unix seconds (with a fraction), as Docker's `since` takes them. */
  since?: string | undefined;
}

/** A message of the engine's stream: one line of a task, or a notice that the engine could not read some logs. */
export type EngineLogMessage =
  ({ kind: 'line'; stream: 'stdout' | 'stderr' } & ParsedLogMessage) | { kind: 'engine-error' };

export interface EngineLogStream {
  /** The engine's response: bytes, paused while nobody reads them. Destroying it closes the connection. */
  body: IncomingMessage;
  /** The manager endpoint that serves the stream. */
  url: string;
}

/**
 * Opens the logs of a service on a manager of the swarm. The response arrives when the engine has accepted the
 * request (a missing service is NOT_FOUND, mapped from Docker's answer by the client); its body is read by the
 * caller, through serviceLogMessages().
 */
export async function openServiceLogs(
  client: SwarmClient,
  serviceId: string,
  query: EngineLogsQuery,
): Promise<EngineLogStream> {
  const { value, url } = await client.openStream(
    'service.logs',
    (docker, signal) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        docker.modem.dial(
          {
            path: `/services/${encodeURIComponent(serviceId)}/logs?`,
            method: 'GET',
            isStream: true,
            abortSignal: signal,
            statusCodes: { 200: true, 404: 'no such service', 500: 'server error', 503: 'not in a swarm' },
            options: {
              follow: query.follow,
              stdout: query.stdout,
              stderr: query.stderr,
              tail: String(query.tail),
              timestamps: true,
              details: true,
              ...(query.since === undefined ? {} : { since: query.since }),
            },
          },
          (error: Error | null, body: unknown) => (error ? reject(error) : resolve(body as IncomingMessage)),
        );
      }),
  );
  return { body: value, url };
}

/**
 * A Transform from the engine's bytes to EngineLogMessage objects. A service whose containers have a TTY sends raw
 * lines (no frames, all stdout); any other sends Docker's multiplexed frames. Backpressure passes through: the
 * Transform takes no more bytes while its readable side is full.
 */
export function serviceLogMessages(options: { tty: boolean }): Transform {
  const prefix = { timestamps: true, details: true };
  const demuxer = options.tty ? new LineSplitter() : new FrameDemuxer();
  const toMessage = (frame: LogFrame): EngineLogMessage =>
    frame.stream === 'system'
      ? { kind: 'engine-error' }
      : { kind: 'line', stream: frame.stream, ...parseLogMessage(frame.payload, prefix) };
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      try {
        for (const frame of demuxer.push(chunk)) this.push(toMessage(frame));
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      if (demuxer instanceof LineSplitter) for (const frame of demuxer.flush()) this.push(toMessage(frame));
      done();
    },
  });
}
