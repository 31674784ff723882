// The job worker as its own process (`npm run worker`): runs queued operations; no HTTP API.
// The gateway runs a worker inline too unless SWARMGATE_WORKER=off; any number of workers may run.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL: the worker process shares the gateway database; the embedded one serves a single process',
    ]);
  }
  const app = await buildApp(config, { databaseUrl: config.databaseUrl, runWorker: true, http: false });
  await app.ready();
  app.log.info({ concurrency: config.jobs.concurrency }, 'worker ready');
  // Running jobs finish their step (or are resumed by another worker after the lock expires) on shutdown.
  closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'worker stopping after an error');
    else app.log.info({ signal }, 'worker stopping');
    await app.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
