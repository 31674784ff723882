// GET /v1/swarms/:swarm/services/:service/logs: a service's logs (`docker service logs`), streamed as text or NDJSON
// (`format=`, else the Accept header). Streamed with backpressure: the engine's stream pauses while the client reads
// slowly, and closes the moment the client goes away. Audited (service.logs); the role is SWARMGATE_LOGS_ROLE.
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  serviceLogs,
  type ServiceLogItem,
  type ServiceLogLine,
  type ServiceLogsInput,
} from '../../../operations/service-logs.ts';
import type { V1Context } from '../context.ts';
import { closedObject, problemResponses, serviceParams } from '../schemas.ts';

type LogFormat = 'text' | 'ndjson';

interface Query extends Omit<ServiceLogsInput, 'swarm' | 'service'> {
  format?: LogFormat;
}

const NDJSON = 'application/x-ndjson';
const TEXT = 'text/plain; charset=utf-8';

const bound = (description: string) => ({ type: 'integer', minimum: 1, description });

const logsQuery = closedObject({
  format: {
    type: 'string',
    enum: ['text', 'ndjson'],
    description:
      'text or ndjson; unset: application/x-ndjson in Accept asks for NDJSON, anything else gets text',
  },
  follow: { type: 'boolean', default: false, description: 'Keep the stream open for new lines' },
  tail: {
    type: 'string',
    pattern: '^(all|[0-9]{1,9})$',
    description: 'Lines from the end of each task\'s log, or "all" (the default)',
  },
  since: {
    type: 'string',
    maxLength: 64,
    description: 'Lines from this time on: RFC 3339, Unix seconds, or a duration back from now (10m, 1h30m)',
  },
  timestamps: { type: 'boolean', default: false, description: 'Text: start each line with its time' },
  stdout: { type: 'boolean', default: true },
  stderr: { type: 'boolean', default: true },
  lines: bound('Lines to send at most (may only lower SWARMGATE_LOGS_MAX_LINES)'),
  bytes: bound('Bytes of lines to send at most (may only lower SWARMGATE_LOGS_MAX_BYTES)'),
  idleSeconds: bound(
    'End a follow after this long without a line (may only lower SWARMGATE_LOGS_IDLE_SECONDS)',
  ),
  maxSeconds: bound('End the stream after this long (may only lower SWARMGATE_LOGS_MAX_SECONDS)'),
});

export default function serviceLogsRoute(app: FastifyInstance, { deps, operationOf }: V1Context): void {
  app.get<{ Params: { swarm: string; service: string }; Querystring: Query }>(
    '/swarms/:swarm/services/:service/logs',
    {
      // fastify's HEAD twin would drain the stream with nobody reading (a follow until a bound ends it).
      exposeHeadRoute: false,
      schema: {
        operationId: 'getServiceLogs',
        tags: ['services'],
        summary: "Stream a service's logs (`docker service logs`) as text or NDJSON (operator by default)",
        description:
          'Each line is attributed to its task and node. Text lines read `<service>.<slot>.<task>@<node> | line` ' +
          '(with `timestamps`, the time first); NDJSON objects are {time, stream, line, taskId, taskSlot, nodeId, ' +
          'nodeHostname, serviceId}. When a bound (lines, bytes, idleSeconds, maxSeconds) ends the stream, the last ' +
          'NDJSON object is {"end": true, "bound", "message"} and the last text line starts with "-- swarmgate:". ' +
          'The role needed is SWARMGATE_LOGS_ROLE (operator unless configured). Opening a stream is audited ' +
          '(service.logs).',
        params: serviceParams,
        querystring: logsQuery,
        response: {
          200: {
            description: 'The log lines, as they come',
            content: {
              [NDJSON]: { schema: { type: 'string' } },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          ...problemResponses(400, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { format: asked, ...options } = request.query;
      const format = asked ?? formatFromAccept(request);
      const stream = await serviceLogs(
        deps,
        operationOf(request),
        { ...options, ...request.params },
        app.config.logs,
      );
      const formatter = format === 'ndjson' ? ndjsonLines() : textLines(stream.service.name, options);
      // The formatter is what the reply reads; the client going away destroys it, and the pipeline then the items
      // (which closes the engine's connection).
      const body = pipeline(stream.items, formatter, () => undefined);
      return reply
        .type(format === 'ndjson' ? NDJSON : TEXT)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(body);
    },
  );
}

function formatFromAccept(request: FastifyRequest): LogFormat {
  return (request.headers.accept ?? '').toLowerCase().includes(NDJSON) ? 'ndjson' : 'text';
}

/** Items → one JSON object a line. */
function ndjsonLines(): Transform {
  return itemsTo((item) =>
    item.kind === 'line'
      ? `${JSON.stringify(item.line)}\n`
      : `${JSON.stringify({ end: true, bound: item.end.bound, message: item.end.message })}\n`,
  );
}

/** Items → lines as `docker service logs` prints them. */
function textLines(serviceName: string, options: { timestamps?: boolean | null | undefined }): Transform {
  return itemsTo((item) => {
    if (item.kind === 'end') return `-- swarmgate: ${item.end.message} (bound: ${item.end.bound})\n`;
    const { line } = item;
    const time = options.timestamps && line.time ? `${line.time} ` : '';
    return `${time}${taskNameOf(serviceName, line)}@${line.nodeHostname ?? line.nodeId ?? '?'} | ${line.line}\n`;
  });
}

/** `<service>.<slot>.<task id, 12 characters>` as the docker CLI names a task; a global task has its node instead. */
function taskNameOf(serviceName: string, line: ServiceLogLine): string {
  const where = line.taskSlot ? String(line.taskSlot) : (line.nodeId ?? '?');
  return `${serviceName}.${where}.${(line.taskId ?? '?').slice(0, 12)}`;
}

function itemsTo(format: (item: ServiceLogItem) => string): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(item: ServiceLogItem, _encoding: BufferEncoding, done: TransformCallback) {
      done(null, format(item));
    },
  });
}
