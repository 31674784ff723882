// Kept answers (src/queries/answer-cache.ts) for the routes that ask for them, REST's and GraphQL's alike. A route opts
// in with the route option `config.keepAnswer`, which says how its requests are named; this plugin then gives the
// route its hooks: an onRequest hook (requests their URL names) or a preParsing hook (requests their body names:
// GraphQL POSTs) that answers from the cache or makes the request the one that builds the answer, and the hooks that
// keep what it sent. The route's reads tell what an answer was built from through `recorderOf(request)`.
import { Readable } from 'node:stream';
import type {
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
  onSendHookHandler,
  preParsingHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Principal } from '../../auth/principal.ts';
import { GatewayError } from '../../errors.ts';
import { AnswerCache, ReadRecorder, type AnswerKey, type CachedAnswer } from '../../queries/answer-cache.ts';
import { tenantScope } from '../../queries/swarm-reads.ts';
import { withHook } from '../../util/hooks.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Answers built from the state, kept for the same reads; null with the cache off (see answer-cache.ts). */
    answerCache: AnswerCache | null;
  }
  interface FastifyContextConfig {
    /**
     * The route's answers may be kept and served again while the swarm state they were built from is unchanged
     * (src/plugins/app/answer-cache.ts): how its requests are named. Its reads decide, request by request, whether
     * an answer is kept.
     */
    keepAnswer?: KeepAnswer;
  }
}

/**
 * What a request asks, or null when its answer must not be kept. Each runs after authentication (route-level hooks
 * run after the encapsulating context's), and the caller's tenant scope and roles are added to the key's variant.
 */
export interface KeepAnswer {
  /**
   * From what is known before the body (method, URL, query string, headers), at onRequest: before validation, so an
   * answer is kept only for a request that passed it, and the same URL passes it again.
   */
  ofRequest?: (request: FastifyRequest) => AnswerKey | null;
  /**
   * From the body as sent, for requests whose body says what they ask (GraphQL POST). The preParsing hook reads
   * bodies of at most `maxBytes` (by Content-Length) and hands the same bytes on to the parser, so a kept answer is
   * found without parsing the body and the body of any other request is parsed as usual.
   */
  ofBody?: {
    maxBytes: number;
    keyOf: (request: FastifyRequest, body: string) => AnswerKey | null;
    /** Whether the answer to `body` could be kept (not a mutation...), asked on a miss only. */
    keepable: (body: string) => boolean;
  };
}

export interface AnswerCachePluginOptions {
  /** Bytes of answers kept at most; 0: no answer is kept (and routes get no hooks). */
  maxBytes: number;
}

/** The header telling whether an answer was a kept one (HIT) or was built (MISS). */
export const ANSWER_HEADER = 'x-swarmgate-answer';

interface Build {
  key: AnswerKey;
  recorder: ReadRecorder;
}

const builds = new WeakMap<FastifyRequest, Build>();

/** Where the request's reads tell what they were served from; null when its answer is not being kept. */
export function recorderOf(request: FastifyRequest): ReadRecorder | null {
  return builds.get(request)?.recorder ?? null;
}

export default fp<AnswerCachePluginOptions>(
  (app, options, done) => {
    const answers =
      options.maxBytes > 0
        ? new AnswerCache({ registry: app.registry, state: app.swarmState, maxBytes: options.maxBytes })
        : null;
    app.decorate('answerCache', answers);
    if (answers) {
      app.metrics.onScrape(() => {
        app.metrics.answerCache(answers.stats());
        return Promise.resolve();
      });
      app.addHook('onClose', (_instance, closed) => {
        answers.clear();
        closed();
      });
      const { onSend, onResponse } = keepingHooks(answers);
      app.addHook('onRoute', (route) => {
        const keep = route.config?.keepAnswer;
        if (!keep) return;
        if (keep.ofRequest)
          route.onRequest = withHook(route.onRequest, onRequestHook(answers, keep.ofRequest));
        if (keep.ofBody) route.preParsing = withHook(route.preParsing, preParsingHook(answers, keep.ofBody));
        route.onSend = withHook(route.onSend, onSend);
        route.onResponse = withHook(route.onResponse, onResponse);
      });
    }
    done();
  },
  { name: 'answer-cache', dependencies: ['swarm-state', 'registry', 'metrics'] },
);

/** Answers from the kept answer, waits for another request building it, or makes this request build it. */
async function awaitAnswer(
  answers: AnswerCache,
  request: FastifyRequest,
  reply: FastifyReply,
  key: AnswerKey,
  kept: Promise<CachedAnswer | null> | null,
  keepable: boolean,
): Promise<FastifyReply | undefined> {
  const answer = await kept;
  if (answer) return send(reply, answer);
  if (!keepable) return;
  const turn = await answers.follow(key);
  if (!turn.leader) {
    // Another request just built it; when its answer could not be kept, this one builds its own (not kept).
    if (turn.answer) return send(reply, turn.answer);
    return;
  }
  builds.set(request, { key, recorder: new ReadRecorder() });
  void reply.header(ANSWER_HEADER, 'MISS');
}

/**
 * Sends the kept answer to `asked`, or calls `proceed` once the request may go on (it builds the answer, or builds its
 * own because the answer could not be kept). Callback style: a kept answer found without waiting (the usual case) is
 * sent without a promise in between. `keepable` tells, on a miss only, whether the answer could be kept at all (a
 * test too costly to make before every lookup).
 */
function answerOrProceed(
  answers: AnswerCache,
  request: FastifyRequest,
  reply: FastifyReply,
  asked: AnswerKey | null,
  proceed: (error?: Error) => void,
  keepable: () => boolean = () => true,
): void {
  const principal = request.principal;
  if (principal === null || asked === null) {
    proceed();
    return;
  }
  const key = { document: asked.document, variant: `${callerKey(principal)} ${asked.variant}` };
  const kept = answers.lookup(key);
  if (kept !== null && !(kept instanceof Promise)) {
    send(reply, kept);
    return;
  }
  if (kept === null && !keepable()) {
    proceed();
    return;
  }
  awaitAnswer(answers, request, reply, key, kept, kept === null || keepable()).then(
    (sent) => {
      if (!sent) proceed();
    },
    (error: unknown) => proceed(error as Error),
  );
}

/** Answers requests named by their URL, after authentication. */
function onRequestHook(
  answers: AnswerCache,
  ofRequest: NonNullable<KeepAnswer['ofRequest']>,
): onRequestHookHandler {
  return (request, reply, done) => {
    if (request.principal === null) return done();
    answerOrProceed(answers, request, reply, ofRequest(request), done);
  };
}

/** Answers requests named by their body, before the body is parsed. */
function preParsingHook(
  answers: AnswerCache,
  ofBody: NonNullable<KeepAnswer['ofBody']>,
): preParsingHookHandler {
  return (request, reply, payload, done) => {
    const length = Number(request.headers['content-length']);
    if (
      request.principal === null ||
      !(length > 0 && length <= ofBody.maxBytes) ||
      request.headers['content-encoding'] !== undefined
    ) {
      done(null, payload);
      return;
    }
    readWhole(payload, (error, bytes, text) => {
      if (error) {
        // The client went away (or its connection broke) before the body ended: nothing to answer.
        done(
          new GatewayError('BAD_INPUT', 'the request body could not be read', undefined, { cause: error }),
        );
        return;
      }
      answerOrProceed(
        answers,
        request,
        reply,
        ofBody.keyOf(request, text),
        (failed) => done(failed ?? null, replayOf(bytes)),
        () => ofBody.keepable(text),
      );
    });
  };
}

/** The hooks that keep what a building request sent, the same for every route. */
function keepingHooks(answers: AnswerCache): {
  onSend: onSendHookHandler;
  onResponse: onResponseHookHandler;
} {
  const onSend: onSendHookHandler = (request, reply, payload, done) => {
    const build = builds.get(request);
    if (!build) {
      done(null, payload);
      return;
    }
    builds.delete(request);
    if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) {
      answers.settle(build.key, null);
      done(null, payload);
      return;
    }
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
    answers.settle(build.key, { recorder: build.recorder, body, contentType });
    done(null, body);
  };

  // A build that ended without passing onSend (the client went away first) releases its followers; were this hook
  // never called, followers would build their own answers after FOLLOW_TIMEOUT_MS.
  const onResponse: onResponseHookHandler = (request, _reply, done) => {
    const build = builds.get(request);
    if (build) {
      builds.delete(request);
      answers.settle(build.key, null);
    }
    done();
  };
  return { onSend, onResponse };
}

/**
 * The whole body once it has ended, as bytes (for the parser, on a miss) and as text (the key). The chunks are the
 * request's own buffers (Node's HTTP parser copies what it reads), so a single one is used as it is.
 */
function readWhole(
  payload: NodeJS.ReadableStream,
  callback: (error: Error | null, bytes: Buffer, text: string) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  // Listeners stay on the request's stream (dropped with it); `settled` keeps a late error from calling back twice.
  payload.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    chunks.push(bytes);
  });
  payload.on('end', () => {
    if (settled) return;
    settled = true;
    // A body shorter or longer than its Content-Length is left to the parser to refuse, as without this hook.
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    callback(null, bytes, bytes.toString());
  });
  payload.on('error', (error: Error) => {
    if (settled) return;
    settled = true;
    callback(error, Buffer.alloc(0), '');
  });
}

/** A stream of `body` for the parser, which reads the request's body from the preParsing hooks' last stream. */
function replayOf(body: Buffer): Readable {
  const stream = new Readable({ read() {} });
  stream.push(body);
  stream.push(null);
  return stream;
}

function send(reply: FastifyReply, answer: CachedAnswer): FastifyReply {
  return reply.header('content-type', answer.contentType).header(ANSWER_HEADER, 'HIT').send(answer.body);
}

const callerKeys = new WeakMap<Principal, string>();

/** What an answer may depend on of the caller: the tenant it sees and its roles (not who it is). */
function callerKey(principal: Principal): string {
  // Principals of lately verified tokens are shared by their requests: the key is built once per token.
  let key = callerKeys.get(principal);
  if (key === undefined) {
    key = `${tenantScope(principal) ?? '*'}/${[...principal.roles].sort().join(',')}`;
    callerKeys.set(principal, key);
  }
  return key;
}
