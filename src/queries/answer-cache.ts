// Answers of reads served from the swarm state, kept as the bytes that were sent. An answer is kept under its
// request (the door, the caller's tenant scope and roles, the URL or the GraphQL document and variables) with what it
// was built from: the swarms its references resolved to and the version of every list it read. It is served again
// while each of those is unchanged, so a read of an unchanged swarm costs a lookup instead of filtering, sorting and
// serialising a thousand objects again. Anything else a request touches (a live Docker call, a fresh read, jobs,
// audit, observedAt...) makes its answer not kept.
import { LRUCache } from 'lru-cache';
import type { RegistryRepository, SwarmRecord } from '../registry/repository.ts';
import type { SwarmStateStore } from '../state/state-store.ts';
import type { StateKind } from '../state/swarm-state.ts';

interface SwarmDependency {
  scope: string | null;
  ref: string;
  id: string;
  stamp: number;
}

interface ListDependency {
  swarmId: string;
  kind: StateKind;
  version: string;
}

/** What one request read, as its reads tell it; an answer is kept only if nothing refused it. */
export class ReadRecorder {
  readonly swarms: SwarmDependency[] = [];
  readonly lists: ListDependency[] = [];
  /** Why the answer cannot be kept (the first reason given); null while it can. */
  refusal: string | null = null;

  swarm(scope: string | null, ref: string, record: SwarmRecord): void {
    if (this.swarms.some((known) => known.scope === scope && known.ref === ref)) return;
    this.swarms.push({ scope, ref, id: record.id, stamp: record.updatedAt.getTime() });
  }

  list(swarmId: string, kind: StateKind, version: string): void {
    const known = this.lists.find((list) => list.swarmId === swarmId && list.kind === kind);
    if (!known) this.lists.push({ swarmId, kind, version });
    // Two versions of one list in one answer (a change between two reads of it): keep none.
    else if (known.version !== version) this.refuse(`${kind} changed while the answer was built`);
  }

  refuse(reason: string): void {
    this.refusal ??= reason;
  }
}

export interface CachedAnswer {
  body: Buffer;
  contentType: string;
  swarms: readonly SwarmDependency[];
  lists: readonly ListDependency[];
}

export interface AnswerCacheOptions {
  registry: RegistryRepository;
  state: SwarmStateStore;
  /** Bytes of answers kept at most (least recently used go first). */
  maxBytes: number;
}

/** An answer larger than this share of the cache is not kept (it would push out everything else). */
const LARGEST_SHARE = 4;
/** A follower waits at most this long for the leader's answer before building its own. */
const FOLLOW_TIMEOUT_MS = 10_000;

/**
 * What an answer is kept under: the document (the URL, or the GraphQL document, a string as the parser made it) and
 * the variant (the caller's tenant scope and roles, and GraphQL's operation name and variables). Kept apart, so a
 * lookup hashes strings that exist already instead of building and hashing one long key per request.
 */
export interface AnswerKey {
  document: string;
  variant: string;
}

/** The answers kept for one document, by variant. */
type Variants = Map<string, CachedAnswer>;

export class AnswerCache {
  private readonly answers: LRUCache<string, Variants>;
  private readonly settlers = new Map<string, Settler>();
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly options: AnswerCacheOptions) {
    this.answers = new LRUCache({
      maxSize: options.maxBytes,
      sizeCalculation: (variants) => {
        let bytes = 1;
        for (const answer of variants.values()) bytes += answer.body.length;
        return bytes;
      },
    });
  }

  /**
   * The kept answer to `key` if everything it was built from is unchanged; otherwise null (and it is dropped).
   * Answered without waiting when the swarm lookups are in memory (the usual case), else after them.
   */
  lookup(key: AnswerKey): CachedAnswer | null | Promise<CachedAnswer | null> {
    const answer = this.answers.get(key.document)?.get(key.variant);
    if (!answer) return this.missed();
    const valid = this.stillValid(answer);
    if (typeof valid === 'boolean') return this.found(key, answer, valid);
    return valid.then((known) => this.found(key, answer, known));
  }

  private found(key: AnswerKey, answer: CachedAnswer, valid: boolean): CachedAnswer | null {
    if (!valid) {
      const variants = this.answers.get(key.document);
      if (variants?.get(key.variant) === answer) {
        variants.delete(key.variant);
        if (variants.size === 0) this.answers.delete(key.document);
        else this.answers.set(key.document, variants); // its size is counted again
      }
      return this.missed();
    }
    this.hitCount += 1;
    return answer;
  }

  private missed(): null {
    this.missCount += 1;
    return null;
  }

  /**
   * Concurrent misses of one key build one answer: the first request is the leader (null is returned: build it, then
   * call `settle`), the others wait for its answer (null if it could not be kept: build their own).
   */
  async follow(key: AnswerKey): Promise<{ leader: true } | { leader: false; answer: CachedAnswer | null }> {
    const id = idOf(key);
    const pending = this.settlers.get(id);
    if (pending) return { leader: false, answer: await pending.answer };
    let resolve!: (answer: CachedAnswer | null) => void;
    const answer = new Promise<CachedAnswer | null>((settle) => (resolve = settle));
    const settler: Settler = {
      answer,
      settle: (built) => {
        clearTimeout(timer);
        if (this.settlers.get(id) === settler) this.settlers.delete(id);
        resolve(built);
      },
    };
    const timer = setTimeout(() => settler.settle(null), FOLLOW_TIMEOUT_MS);
    timer.unref();
    this.settlers.set(id, settler);
    return { leader: true };
  }

  /** Ends the leader's build of `key`: keeps the answer when its reads allow it, and releases the followers. */
  settle(key: AnswerKey, built: { recorder: ReadRecorder; body: Buffer; contentType: string } | null): void {
    let answer: CachedAnswer | null = null;
    if (built && built.recorder.refusal === null && built.recorder.lists.length > 0) {
      answer = {
        body: built.body,
        contentType: built.contentType,
        swarms: built.recorder.swarms,
        lists: built.recorder.lists,
      };
      if (answer.body.length <= this.options.maxBytes / LARGEST_SHARE) {
        const variants = this.answers.get(key.document) ?? new Map<string, CachedAnswer>();
        variants.set(key.variant, answer);
        this.answers.set(key.document, variants);
      }
    }
    this.settlers.get(idOf(key))?.settle(answer);
  }

  stats(): { documents: number; bytes: number; hits: number; misses: number } {
    return {
      documents: this.answers.size,
      bytes: this.answers.calculatedSize,
      hits: this.hitCount,
      misses: this.missCount,
    };
  }

  clear(): void {
    this.answers.clear();
    for (const settler of [...this.settlers.values()]) settler.settle(null);
  }

  private stillValid(answer: CachedAnswer): boolean | Promise<boolean> {
    const { state, registry } = this.options;
    for (const list of answer.lists) {
      if (state.currentVersion(list.swarmId, list.kind) !== list.version) return false;
    }
    // The swarm lookups again (answered from memory for a moment): unregistered, changed, or moved out of the tenant.
    const unsure: SwarmDependency[] = [];
    for (const swarm of answer.swarms) {
      const record = registry.peekSwarm(swarm.scope, swarm.ref);
      if (record === undefined) unsure.push(swarm);
      else if (!sameSwarm(swarm, record)) return false;
    }
    if (unsure.length === 0) return true;
    return Promise.all(
      unsure.map((swarm) =>
        registry.findSwarm(swarm.scope, swarm.ref).then(
          (record) => sameSwarm(swarm, record),
          () => false,
        ),
      ),
    ).then((checks) => checks.every(Boolean));
  }
}

interface Settler {
  answer: Promise<CachedAnswer | null>;
  settle: (answer: CachedAnswer | null) => void;
}

const idOf = (key: AnswerKey) => `${key.variant}\n${key.document}`;

function sameSwarm(known: SwarmDependency, record: SwarmRecord | null): boolean {
  return record !== null && record.id === known.id && record.updatedAt.getTime() === known.stamp;
}
