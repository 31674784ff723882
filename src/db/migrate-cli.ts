// `npm run migrate`: applies migrations to DATABASE_URL (or the embedded PostgreSQL when unset).
import { loadConfig } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ ...config.embeddedPg, log: () => undefined });
  try {
    const result = await migrate(config.databaseUrl ?? embedded!.url);
    console.log(
      result.applied.length === 0
        ? `database is up to date at version ${result.to}`
        : `migrated from version ${result.from} to ${result.to}: ${result.applied.join(', ')}`,
    );
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
