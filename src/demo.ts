// The demo: starts the gateway (embedded PostgreSQL unless DATABASE_URL is set) next to a running lab and
// prints where to reach it. `npm run demo` brings the lab up first (scripts/demo.sh).
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';

async function main(): Promise<void> {
  const config = loadConfig({
    SWARMGATE_JWT_SECRET: 'demo-secret-not-for-production-0123456789',
    ...process.env,
  });
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ ...config.embeddedPg, log: () => undefined });
  const app = await buildApp(config, {
    databaseUrl: config.databaseUrl ?? embedded!.url,
    logger: { level: 'warn' },
  });
  await app.listen({ port: config.port, host: config.host });
  const base = `http://${config.host}:${config.port}`;
  console.log(`
swarmgate demo is up
  GraphQL + GraphiQL  ${base}/graphiql   (endpoint ${base}/graphql)
  health              ${base}/healthz  ${base}/readyz
  lab                 npm run lab -- status   (inventory: var/lab/inventory.json)
Stop with Ctrl-C; bring the lab down with: npm run lab -- down
`);
  const stop = async () => {
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
