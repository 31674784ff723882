// The server process: config, embedded PostgreSQL when DATABASE_URL is unset, listen, graceful shutdown.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    console.log(`DATABASE_URL is unset: starting the embedded PostgreSQL in ${config.embeddedPg.dir}`);
    embedded = await startEmbeddedPostgres({ ...config.embeddedPg, log: () => undefined });
  }
  const app = await buildApp(config, { databaseUrl: config.databaseUrl ?? embedded!.url });

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close pools, then stop PostgreSQL.
  closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await embedded?.stop();
  });

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('swarmgate failed to start:', error);
  process.exit(1);
});
