// Environment schema: reads the brief's variables once, validates them, and returns a typed config.
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.join(' or ')}//` },
  );

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).optional(),
  SWARMGATE_EMBEDDED_PG_DIR: z.string().min(1).default('var/pg'),
  SWARMGATE_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  SWARMGATE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SWARMGATE_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  SWARMGATE_JWT_JWKS_URL: urlWithProtocols(['https:', 'http:']).optional(),
  SWARMGATE_JWT_ALGORITHM: z.enum(['HS256', 'RS256', 'ES256']).optional(),
  SWARMGATE_JWT_ISSUER: z.string().min(1).optional(),
  SWARMGATE_JWT_AUDIENCE: z.string().min(1).optional(),
  SWARMGATE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$|^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  SWARMGATE_DOCKER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  SWARMGATE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  SWARMGATE_MIGRATE_ON_START: booleanFromEnv.default(true),
  SWARMGATE_GRAPHIQL: booleanFromEnv.optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  /** Unset: the gateway starts an embedded PostgreSQL with its data under `embeddedPg.dir`. */
  databaseUrl: string | undefined;
  embeddedPg: { dir: string; port: number };
  redisUrl: string;
  jwt: {
    secret: string | undefined;
    publicKey: string | undefined;
    jwksUrl: string | undefined;
    algorithm: 'HS256' | 'RS256' | 'ES256' | undefined;
    issuer: string | undefined;
    audience: string | undefined;
  };
  secretKey: string | undefined;
  dockerTimeoutMs: number;
  shutdownGraceMs: number;
  migrateOnStart: boolean;
  graphiql: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every malformed variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(nonEmpty(source));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    embeddedPg: { dir: env.SWARMGATE_EMBEDDED_PG_DIR, port: env.SWARMGATE_EMBEDDED_PG_PORT },
    redisUrl: env.REDIS_URL,
    jwt: {
      secret: env.SWARMGATE_JWT_SECRET,
      publicKey: env.SWARMGATE_JWT_PUBLIC_KEY,
      jwksUrl: env.SWARMGATE_JWT_JWKS_URL,
      algorithm: env.SWARMGATE_JWT_ALGORITHM,
      issuer: env.SWARMGATE_JWT_ISSUER,
      audience: env.SWARMGATE_JWT_AUDIENCE,
    },
    secretKey: env.SWARMGATE_SECRET_KEY,
    dockerTimeoutMs: env.SWARMGATE_DOCKER_TIMEOUT_MS,
    shutdownGraceMs: env.SWARMGATE_SHUTDOWN_GRACE_MS,
    migrateOnStart: env.SWARMGATE_MIGRATE_ON_START,
    graphiql: env.SWARMGATE_GRAPHIQL ?? env.NODE_ENV !== 'production',
  };
}

/** An empty variable counts as unset, as shells and compose files often export `VAR=`. */
function nonEmpty(source: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source))
    if (value !== undefined && value !== '') out[key] = value;
  return out;
}
