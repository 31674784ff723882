// Decorates the instance with `pg`, a PostgreSQL pool; migrates at start when configured; closes on shutdown.
import fp from 'fastify-plugin';
import pg from 'pg';
import { migrate } from '../../db/migrate.ts';

declare module 'fastify' {
  interface FastifyInstance {
    pg: pg.Pool;
  }
}

/** The role the migrations create for the application's own connections. */
export const APP_ROLE = 'swarmgate_app';

export interface PostgresPluginOptions {
  connectionString: string;
  migrate: boolean;
}

export default fp<PostgresPluginOptions>(
  async (app, options) => {
    if (options.migrate) {
      const result = await migrate(options.connectionString);
      if (result.applied.length > 0) app.log.info({ migrations: result.applied }, 'database migrated');
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      // The application works as swarmgate_app (created by the migrations): it may append to the audit log but
      // never change or delete what is there. Set at connection start, so a missing role fails closed.
      options: `-c role=${APP_ROLE}`,
      max: 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server must not crash the process; the next query reports the failure.
    pool.on('error', (error) => app.log.warn({ err: error }, 'idle PostgreSQL client failed'));
    app.decorate('pg', pool);
    app.addHook('onClose', async () => {
      await pool.end();
    });
  },
  { name: 'postgres' },
);
