// Serving kept answers (answer-cache.ts) in a door: a preHandler that answers from the cache or makes the request the
// one that builds the answer, and the hooks that keep what it sent. Installed in the REST subtree and the GraphQL
// plugin, each with its own notion of which requests may be kept.
import type {
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { ReadRecorder, type AnswerCache, type AnswerKey, type CachedAnswer } from './answer-cache.ts';
import { tenantScope } from './swarm-reads.ts';

interface Build {
  key: AnswerKey;
  recorder: ReadRecorder;
}

const builds = new WeakMap<FastifyRequest, Build>();

/** Where the request's reads tell what they were served from; null when its answer is not being kept. */
export function recorderOf(request: FastifyRequest): ReadRecorder | null {
  return builds.get(request)?.recorder ?? null;
}

/** The header telling whether an answer was a kept one (HIT) or was built (MISS). */
export const ANSWER_HEADER = 'x-swarmgate-answer';

export interface AnswerHooks {
  preHandler: preHandlerHookHandler;
  onSend: onSendHookHandler;
  onResponse: onResponseHookHandler;
}

/**
 * The hooks to add to the routes (or the encapsulated context) whose answers may be kept; null without a cache.
 * `keyOf` names what the request asks, or null when its answer must not be kept; it runs after authentication, and
 * the caller's tenant scope and roles are added to the key's variant.
 */
export function answerHooks(
  cache: AnswerCache | null,
  keyOf: (request: FastifyRequest) => AnswerKey | null,
): AnswerHooks | null {
  if (!cache) return null;
  const answers = cache;

  /** Answers from the kept answer, waits for another request building it, or makes this request build it. */
  async function awaitAnswer(
    request: FastifyRequest,
    reply: FastifyReply,
    key: AnswerKey,
    kept: Promise<CachedAnswer | null> | null,
  ): Promise<FastifyReply | undefined> {
    const answer = await kept;
    if (answer) return send(reply, answer);
    const turn = await answers.follow(key);
    if (!turn.leader) {
      // Another request just built it; when its answer could not be kept, this one builds its own (not kept).
      if (turn.answer) return send(reply, turn.answer);
      return;
    }
    builds.set(request, { key, recorder: new ReadRecorder() });
    void reply.header(ANSWER_HEADER, 'MISS');
  }

  // Callback style: a kept answer found without waiting (the usual case) is sent without a promise in between.
  const preHandler: preHandlerHookHandler = (request, reply, done) => {
    const principal = request.principal;
    const asked = principal === null ? null : keyOf(request);
    if (principal === null || asked === null) {
      done();
      return;
    }
    const key = { document: asked.document, variant: `${callerKey(principal)} ${asked.variant}` };
    const kept = answers.lookup(key);
    if (kept !== null && !(kept instanceof Promise)) {
      send(reply, kept);
      return;
    }
    awaitAnswer(request, reply, key, kept).then(
      (sent) => {
        if (!sent) done();
      },
      (error: unknown) => done(error as Error),
    );
  };

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
  return { preHandler, onSend, onResponse };
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
