// One mutating job per swarm at a time, across every worker process: a PostgreSQL advisory lock held on a
// dedicated connection for the job's duration, released by the database itself if the process dies.
import type pg from 'pg';

export interface SwarmLock {
  release(): Promise<void>;
}

/** Takes the swarm's lock if it is free; null when another job holds it. */
export async function tryLockSwarm(pool: pg.Pool, swarmId: string): Promise<SwarmLock | null> {
  const client = await pool.connect();
  try {
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended('swarm:' || $1, 0)) AS locked",
      [swarmId],
    );
    if (!result.rows[0]?.locked) {
      client.release();
      return null;
    }
  } catch (error) {
    client.release();
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query("SELECT pg_advisory_unlock(hashtextextended('swarm:' || $1, 0))", [swarmId]);
        client.release();
      } catch (error) {
        // A connection that cannot unlock is closed, which releases the lock too.
        client.release(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
