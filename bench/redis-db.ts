// A Redis database of its own for the run's gateways and queue: BullMQ's queue name is fixed, so gateways sharing
// a database share one queue, and another process's worker would take (and drop) the benchmark's jobs.
import { Redis } from 'ioredis';

export const REDIS_BASE_URL = process.env.SWARMGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MARKER = 'swarmgate-bench:owner';

export interface RedisDatabase {
  index: number;
  url: string;
  /** Removes what the run wrote (BullMQ's and the gateway's keys, the marker); other keys are left as they are. */
  release(): Promise<void>;
}

/** Claims the highest-numbered empty database (an empty one is nobody's), marking it as the benchmark's. */
export async function claimRedisDatabase(): Promise<RedisDatabase> {
  const probe = new Redis(REDIS_BASE_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await probe.connect();
  } catch (error) {
    probe.disconnect();
    throw new Error(`the benchmark needs Redis at ${REDIS_BASE_URL}: ${String(error)}`);
  }
  try {
    const databases = Number(((await probe.config('GET', 'databases')) as string[])[1] ?? 16);
    for (let index = databases - 1; index > 0; index -= 1) {
      await probe.select(index);
      if ((await probe.dbsize()) !== 0) continue;
      if ((await probe.set(MARKER, String(process.pid), 'NX')) !== 'OK') continue;
      const url = new URL(REDIS_BASE_URL);
      url.pathname = `/${index}`;
      return { index, url: url.toString(), release: () => releaseDatabase(url.toString()) };
    }
    throw new Error(`no empty Redis database at ${REDIS_BASE_URL} for the benchmark`);
  } finally {
    probe.disconnect();
  }
}

async function releaseDatabase(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    // bull:* is the job queue; swarmgate:* the gateway's own keys (claims of swarm events between instances).
    for (const pattern of ['bull:*', 'swarmgate:*']) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
    await redis.del(MARKER);
  } finally {
    redis.disconnect();
  }
}
