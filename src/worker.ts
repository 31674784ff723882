// The job worker as its own process (`npm run worker`): for now it checks its dependencies and waits for work.
// The BullMQ processors of the operations arrive with the operations issue; until then this process only
// proves the deployment shape (compose service, health, graceful stop) and says so in its log.
import closeWithGrace from 'close-with-grace';
import pg from 'pg';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl)
    throw new ConfigError(['DATABASE_URL: the worker process needs the shared database']);
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  await pool.query('SELECT 1');
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  await redis.ping();
  console.log(JSON.stringify({ level: 30, msg: 'worker ready: no job processors are registered yet' }));
  closeWithGrace({ delay: config.shutdownGraceMs }, async () => {
    redis.disconnect();
    await pool.end();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
