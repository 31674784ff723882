// GET /v1/audit: the audit log, filtered; a page as JSON, or every matching event streamed as NDJSON.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditEvent } from '../../../audit/types.ts';
import { GatewayError } from '../../../errors.ts';
import { principalOf } from '../../../plugins/app/auth.ts';
import {
  auditTenants,
  listAuditEvents,
  toStoreFilter,
  type AuditQueryFilter,
} from '../../../queries/audit-queries.ts';
import { toAuditEventView, type AuditEventView } from '../../../queries/views.ts';
import type { V1Context } from '../context.ts';
import { auditEventSchema, auditListQuery, auditPageSchema, problemResponses } from '../schemas.ts';

type Query = AuditQueryFilter & { first: number; after?: string };

const NDJSON = 'application/x-ndjson';

/**
 * Each export holds a pooled PostgreSQL client for as long as its reader takes; the pool (10) must keep room
 * for the audit appends every mutation needs, or slow exports would turn changes into AUDIT_UNAVAILABLE.
 */
const MAX_CONCURRENT_EXPORTS = 3;
const EXPORT_RETRY_AFTER_SECONDS = 5;

/** Lines are written in chunks of about this size: one socket write per event would cost a syscall each. */
const EXPORT_CHUNK_CHARS = 64 * 1024;

/** True when the Accept header prefers NDJSON to JSON (an equal preference, or no Accept, means JSON). */
export function prefersNdjson(accept: string | undefined): boolean {
  if (!accept) return false;
  let ndjson = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isNaN(quality)) continue;
    if (range === NDJSON || range === 'application/ndjson') ndjson = Math.max(ndjson, quality);
    else if (range === 'application/json') json = Math.max(json, quality);
  }
  return ndjson > 0 && ndjson > json;
}

/** The events as NDJSON text, a chunk of lines at a time; pulled only as fast as the reader takes them. */
async function* ndjsonChunks(
  rows: AsyncIterable<AuditEvent>,
  serialize: (view: AuditEventView) => string,
): AsyncGenerator<string> {
  let chunk = '';
  for await (const event of rows) {
    chunk += `${serialize(toAuditEventView(event))}\n`;
    if (chunk.length >= EXPORT_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export default function listAuditRoute(app: FastifyInstance, { deps }: V1Context): void {
  let exportsRunning = 0;

  /**
   * Streams every matching event, oldest first, through the store's server-side cursor. Backpressure runs
   * the whole way: the socket drains → the Readable asks for a chunk → the cursor fetches its next batch.
   * The DB client goes back to the pool when the rows end or fail, or, once the reader has left, as soon as the
   * fetch in flight (at most one batch) has landed. The export slot is held until then.
   */
  async function sendExport(reply: FastifyReply, query: Query): Promise<FastifyReply> {
    const principal = principalOf(reply.request);
    const { first: _first, after: _after, tenant, ...filter } = query;
    const tenants = auditTenants(principal, tenant);
    const storeFilter = toStoreFilter(filter);
    if (exportsRunning >= MAX_CONCURRENT_EXPORTS) {
      void reply.header('retry-after', String(EXPORT_RETRY_AFTER_SECONDS));
      throw new GatewayError(
        'RATE_LIMITED',
        `${MAX_CONCURRENT_EXPORTS} audit exports are already running; retry in ${EXPORT_RETRY_AFTER_SECONDS} seconds ` +
          'or narrow the export with filters',
      );
    }
    exportsRunning += 1;
    let finished = false;
    let release: (() => void) | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      exportsRunning -= 1;
      release?.();
    };
    try {
      const stream = await deps.audit.stream(tenants, storeFilter);
      release = stream.release;
      const serialize =
        reply.getSerializationFunction('200', NDJSON) ?? reply.compileSerializationSchema(auditEventSchema);
      const body = Readable.from(ndjsonChunks(stream.rows, serialize), { objectMode: false });
      // Once the rows were read from, they release the client themselves when they end, fail or are returned;
      // `release` here only covers rows never read. The client is deliberately not released the moment the
      // reader leaves: a cursor closed while its first fetch is in flight, before the row description came
      // back, syncs twice and leaves the connection out of step with its next user (seen with HEAD).
      body.once('close', finish);
      // Fastify destroys a piped body when the reader leaves, but not one a HEAD request only drains.
      reply.raw.once('close', () => body.destroy());
      if (reply.raw.destroyed) body.destroy();
      return reply.type(NDJSON).header('vary', 'accept').send(body);
    } catch (error) {
      finish();
      throw error;
    }
  }

  app.get<{ Querystring: Query }>(
    '/audit',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: "The audit log of the caller's tenant, filtered (viewer)",
        description:
          'JSON (the default): a page of events, newest first; pass `pageInfo.endCursor` as `after` for the next. ' +
          '`Accept: application/x-ndjson`: every matching event, oldest first, one JSON object per line, with ' +
          '`first` and `after` ignored. A platform-admin reads every tenant, or `tenant`; anyone else asking for ' +
          `another tenant is FORBIDDEN. At most ${MAX_CONCURRENT_EXPORTS} NDJSON exports run at once (RATE_LIMITED).`,
        querystring: auditListQuery,
        response: {
          200: {
            description: 'A page of events (application/json) or every matching event (application/x-ndjson)',
            content: {
              'application/json': { schema: auditPageSchema },
              [NDJSON]: { schema: { ...auditEventSchema, description: 'One line per event, oldest first' } },
            },
          },
          ...problemResponses(400, 403, 429),
        },
      },
    },
    async (request, reply) => {
      if (prefersNdjson(request.headers.accept)) return sendExport(reply, request.query);
      const { first, after, ...filter } = request.query;
      const page = await listAuditEvents(deps.audit, principalOf(request), filter, first, after);
      void reply.header('vary', 'accept');
      return page;
    },
  );
}
