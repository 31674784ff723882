// Environment schema: reads the brief's variables once, validates them, and returns a typed config.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
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

const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The alternative sources of the key that verifies bearer tokens; exactly one may be set. */
const JWT_KEY_VARIABLES = [
  'SWARMGATE_JWT_SECRET',
  'SWARMGATE_JWT_PUBLIC_KEY',
  'SWARMGATE_JWT_JWKS_URL',
] as const;

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
  SWARMGATE_JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).optional(),
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
  SWARMGATE_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SWARMGATE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SWARMGATE_WORKER: z.enum(['inline', 'off']).default('inline'),
  SWARMGATE_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
    .default('swarmgate'),
  SWARMGATE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SWARMGATE_JOB_LOCK_MS: z.coerce.number().int().min(2000).max(600_000).default(10_000),
  SWARMGATE_QUICK_JOB_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(15_000),
  // Test-only: the length of a "day" of scheduled join-token rotation (everyDays), so a test need not wait a day.
  SWARMGATE_JOIN_TOKEN_DAY_MS: z.coerce.number().int().min(1000).max(86_400_000).default(86_400_000),
  SWARMGATE_CACHE: z.enum(['on', 'off']).default('on'),
  SWARMGATE_CACHE_TASKS_MS: z.coerce.number().int().min(500).max(60_000).default(3000),
  SWARMGATE_CACHE_CHECK_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
  SWARMGATE_CACHE_IDLE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  SWARMGATE_CACHE_ANSWERS_MB: z.coerce.number().int().min(0).max(4096).default(64),
  // Hostile tenants (issue 11): who may do what, and how much of it.
  SWARMGATE_PLATFORM_TENANT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a tenant slug (lowercase letters, digits and dashes)')
    .default('platform'),
  SWARMGATE_PLATFORM_ISSUER: z.string().min(1).optional(),
  SWARMGATE_ENGINE_NETWORKS: z.string().optional(),
  SWARMGATE_GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
  SWARMGATE_GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).max(10_000).default(30),
  SWARMGATE_GRAPHQL_MAX_COST: z.coerce.number().int().min(10).max(100_000_000).default(50_000),
  SWARMGATE_GRAPHQL_MAX_ANSWER_MB: z.coerce.number().int().min(1).max(1024).default(16),
  SWARMGATE_GRAPHQL_MAX_DOCUMENT_KB: z.coerce.number().int().min(1).max(1024).default(32),
  SWARMGATE_GRAPHQL_INTROSPECTION: booleanFromEnv.optional(),
  SWARMGATE_GRAPHQL_LIMITS: z.enum(['on', 'off']).default('on'),
  SWARMGATE_RATE_LIMIT: z.enum(['on', 'off']).default('on'),
  SWARMGATE_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
  SWARMGATE_RATE_LIMIT_REQUESTS: z.coerce.number().int().min(1).max(100_000_000).default(6000),
  SWARMGATE_RATE_LIMIT_MUTATIONS: z.coerce.number().int().min(1).max(100_000_000).default(120),
  SWARMGATE_RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(1).max(100_000_000).default(120),
  SWARMGATE_TENANT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(100_000).default(64),
  SWARMGATE_WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  SWARMGATE_LOGS_ROLE: z.enum(['viewer', 'operator', 'admin']).default('operator'),
  SWARMGATE_LOGS_MAX_LINES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  SWARMGATE_LOGS_MAX_BYTES: z.coerce.number().int().min(1024).max(1_073_741_824).default(16_777_216),
  SWARMGATE_LOGS_IDLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  SWARMGATE_LOGS_MAX_SECONDS: z.coerce.number().int().min(1).max(604_800).default(3600),
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
  /** At most one of secret, publicKey and jwksUrl is set; none only outside production. */
  jwt: {
    secret: string | undefined;
    /** Normalised to an SPKI PEM ("-----BEGIN PUBLIC KEY-----"), whatever PEM form was given. */
    publicKey: string | undefined;
    jwksUrl: string | undefined;
    /**
     * The one algorithm tokens must use, pinned here and never read from a token: HS256 with a secret; with a
     * public key, its type (RSA: RS256, EC P-256: ES256); with a JWKS, SWARMGATE_JWT_ALGORITHM or RS256.
     * Undefined only when no key is configured.
     */
    algorithm: JwtAlgorithm | undefined;
    issuer: string | undefined;
    audience: string | undefined;
  };
  secretKey: string | undefined;
  dockerTimeoutMs: number;
  shutdownGraceMs: number;
  migrateOnStart: boolean;
  graphiql: boolean;
  metrics: { port: number | undefined; token: string | undefined };
  jobs: {
    /** `inline`: this process also runs the job worker; `off`: only `npm run worker` processes do. */
    worker: 'inline' | 'off';
    concurrency: number;
    /** BullMQ key prefix in Redis. */
    queuePrefix: string;
    /** A crashed worker's job is resumed by another after about this long. */
    lockMs: number;
    /** How long a quick operation's request waits for its job to finish before answering with it queued. */
    quickWaitMs: number;
    /** A day of scheduled join-token rotation in milliseconds: 86 400 000 except in tests. */
    joinTokenDayMs: number;
  };
  /** The event-fed state of watched swarms (src/state/). */
  cache: {
    /** Reads of nodes, services and tasks come from the state (`fresh` still asks a manager); off: every read is live. */
    enabled: boolean;
    /** Tasks have no events: while clients read them, they are listed again this often (and after service events). */
    tasksRefreshMs: number;
    /** How often the watched manager is asked whether it still reaches its swarm's leader. */
    checkMs: number;
    /** A watcher nobody read from or subscribed to for this long is stopped. */
    idleMs: number;
    /** Bytes of answers built from the state kept for the same reads (src/queries/answer-cache.ts); 0: none. */
    answersBytes: number;
  };
  /** Who may act across tenants: `platform-admin` is honoured only from this tenant's tokens (and this issuer's). */
  platform: { tenant: string; issuer: string | undefined };
  /** Where tenants' engines may be (src/docker/endpoint-policy.ts). */
  engines: {
    /** CIDRs a tenant's engine address must fall in (after name resolution); empty: any routable address. */
    networks: string[];
  };
  /** Bounds on one GraphQL operation, refused before execution (QUERY_TOO_COMPLEX) or while answering. */
  graphql: {
    /** off: no depth, alias or cost rules (for the benchmark's comparison only; never in production). */
    limits: boolean;
    maxDepth: number;
    maxAliases: number;
    /** Lists cost their `first` (or their default page), nested lists multiply. */
    maxCost: number;
    maxAnswerBytes: number;
    /** Characters of one document (the query text, not its variables), refused before it is parsed. */
    maxDocumentLength: number;
    introspection: boolean;
  };
  /** Request budgets (@fastify/rate-limit on Redis, shared by every gateway) and a per-tenant concurrency cap. */
  rateLimit: {
    enabled: boolean;
    windowMs: number;
    /** Per principal (tenant + sub) per window, every authenticated request. */
    requests: number;
    /** Per principal per window, mutations only (REST writes, GraphQL mutations). */
    mutations: number;
    /** Per client address per window: unauthenticated requests and failed authentications. */
    anonymous: number;
    /** Requests of one tenant in flight at once on this gateway. */
    tenantConcurrency: number;
  };
  /** A WebSocket that has not authenticated (connection_init with a token) within this long is closed. */
  wsAuthTimeoutMs: number;
  /** Service logs (REST stream, GraphQL subscription): who may read them, and the caps a request may only lower. */
  logs: {
    /** Logs may carry secrets: operator unless configured (SWARMGATE_LOGS_ROLE). */
    role: 'viewer' | 'operator' | 'admin';
    maxLines: number;
    maxBytes: number;
    /** A follow that sees no line for this long ends. */
    idleSeconds: number;
    /** A stream ends after this long, whatever else. */
    maxSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every malformed or missing variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = nonEmpty(source);
  const parsed = EnvSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  // Cross-variable rules read the raw strings so one run reports every problem, not only the schema's.
  const jwt = resolveJwt(raw, problems);
  const networks = parseNetworks(raw.SWARMGATE_ENGINE_NETWORKS, problems);
  if (raw.NODE_ENV === 'production') problems.push(...productionProblems(raw));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
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
      ...jwt,
      issuer: env.SWARMGATE_JWT_ISSUER,
      audience: env.SWARMGATE_JWT_AUDIENCE,
    },
    secretKey: env.SWARMGATE_SECRET_KEY,
    dockerTimeoutMs: env.SWARMGATE_DOCKER_TIMEOUT_MS,
    shutdownGraceMs: env.SWARMGATE_SHUTDOWN_GRACE_MS,
    migrateOnStart: env.SWARMGATE_MIGRATE_ON_START,
    graphiql: env.SWARMGATE_GRAPHIQL ?? env.NODE_ENV !== 'production',
    metrics: { port: env.SWARMGATE_METRICS_PORT, token: env.SWARMGATE_METRICS_TOKEN },
    jobs: {
      worker: env.SWARMGATE_WORKER,
      concurrency: env.SWARMGATE_WORKER_CONCURRENCY,
      queuePrefix: env.SWARMGATE_QUEUE_PREFIX,
      lockMs: env.SWARMGATE_JOB_LOCK_MS,
      quickWaitMs: env.SWARMGATE_QUICK_JOB_WAIT_MS,
      joinTokenDayMs: env.SWARMGATE_JOIN_TOKEN_DAY_MS,
    },
    cache: {
      enabled: env.SWARMGATE_CACHE === 'on',
      tasksRefreshMs: env.SWARMGATE_CACHE_TASKS_MS,
      checkMs: env.SWARMGATE_CACHE_CHECK_MS,
      idleMs: env.SWARMGATE_CACHE_IDLE_MS,
      answersBytes: env.SWARMGATE_CACHE_ANSWERS_MB * 1024 * 1024,
    },
    platform: { tenant: env.SWARMGATE_PLATFORM_TENANT, issuer: env.SWARMGATE_PLATFORM_ISSUER },
    engines: { networks },
    graphql: {
      limits: env.SWARMGATE_GRAPHQL_LIMITS === 'on',
      maxDepth: env.SWARMGATE_GRAPHQL_MAX_DEPTH,
      maxAliases: env.SWARMGATE_GRAPHQL_MAX_ALIASES,
      maxCost: env.SWARMGATE_GRAPHQL_MAX_COST,
      maxAnswerBytes: env.SWARMGATE_GRAPHQL_MAX_ANSWER_MB * 1024 * 1024,
      maxDocumentLength: env.SWARMGATE_GRAPHQL_MAX_DOCUMENT_KB * 1024,
      introspection: env.SWARMGATE_GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== 'production',
    },
    rateLimit: {
      enabled: env.SWARMGATE_RATE_LIMIT === 'on',
      windowMs: env.SWARMGATE_RATE_LIMIT_WINDOW_S * 1000,
      requests: env.SWARMGATE_RATE_LIMIT_REQUESTS,
      mutations: env.SWARMGATE_RATE_LIMIT_MUTATIONS,
      anonymous: env.SWARMGATE_RATE_LIMIT_ANONYMOUS,
      tenantConcurrency: env.SWARMGATE_TENANT_MAX_CONCURRENT,
    },
    wsAuthTimeoutMs: env.SWARMGATE_WS_AUTH_TIMEOUT_MS,
    logs: {
      role: env.SWARMGATE_LOGS_ROLE,
      maxLines: env.SWARMGATE_LOGS_MAX_LINES,
      maxBytes: env.SWARMGATE_LOGS_MAX_BYTES,
      idleSeconds: env.SWARMGATE_LOGS_IDLE_SECONDS,
      maxSeconds: env.SWARMGATE_LOGS_MAX_SECONDS,
    },
  };
}

/** SWARMGATE_ENGINE_NETWORKS: CIDRs separated by commas or spaces, each checked with node's own parser. */
function parseNetworks(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined) return [];
  const networks = raw.split(/[\s,]+/).filter(Boolean);
  for (const cidr of networks) {
    const [address, bits, ...rest] = cidr.split('/');
    const family = address === undefined ? 0 : isIP(address);
    const prefix = Number(bits);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || bits === undefined || !/^\d+$/.test(bits) || prefix > max) {
      problems.push(`SWARMGATE_ENGINE_NETWORKS: "${cidr}" is not a CIDR such as 10.20.0.0/24 or fd00::/64`);
    }
  }
  return networks;
}

type ResolvedJwtKey = Pick<Config['jwt'], 'secret' | 'publicKey' | 'jwksUrl' | 'algorithm'>;

/**
 * Picks the key source and pins the algorithm. The algorithm must follow from configuration alone: a verifier that
 * trusts the token's `alg` header can be fooled into HMAC-checking a token with the public key as the secret.
 */
function resolveJwt(raw: Record<string, string>, problems: string[]): ResolvedJwtKey {
  const configured = JWT_KEY_VARIABLES.filter((name) => raw[name] !== undefined);
  if (configured.length > 1) {
    problems.push(
      `${configured.join(', ')}: set exactly one JWT key source (SWARMGATE_JWT_SECRET for HS256 in development, ` +
        'SWARMGATE_JWT_PUBLIC_KEY or SWARMGATE_JWT_JWKS_URL for RS256/ES256)',
    );
  }
  const requested = JWT_ALGORITHMS.find((algorithm) => algorithm === raw.SWARMGATE_JWT_ALGORITHM);
  const { SWARMGATE_JWT_SECRET: secret, SWARMGATE_JWT_JWKS_URL: jwksUrl } = raw;
  const asymmetricOnly =
    'SWARMGATE_JWT_ALGORITHM: HS256 verifies with a shared SWARMGATE_JWT_SECRET; ' +
    'with a public key or a JWKS use RS256 or ES256';

  let algorithm = requested;
  let publicKey: string | undefined;
  if (secret !== undefined) {
    if (requested !== undefined && requested !== 'HS256') {
      problems.push(
        `SWARMGATE_JWT_ALGORITHM: ${requested} needs SWARMGATE_JWT_PUBLIC_KEY or SWARMGATE_JWT_JWKS_URL; ` +
          'SWARMGATE_JWT_SECRET only verifies HS256',
      );
    }
    algorithm = 'HS256';
  }
  if (raw.SWARMGATE_JWT_PUBLIC_KEY !== undefined) {
    const inspected = inspectPublicKey(raw.SWARMGATE_JWT_PUBLIC_KEY);
    if (typeof inspected === 'string') {
      problems.push(`SWARMGATE_JWT_PUBLIC_KEY: ${inspected}`);
    } else {
      publicKey = inspected.pem;
      if (requested === 'HS256') problems.push(asymmetricOnly);
      else if (requested !== undefined && requested !== inspected.algorithm) {
        problems.push(
          `SWARMGATE_JWT_ALGORITHM: ${requested} does not match SWARMGATE_JWT_PUBLIC_KEY, ` +
            `an ${inspected.keyType} key that verifies ${inspected.algorithm}`,
        );
      }
      algorithm = inspected.algorithm;
    }
  }
  if (jwksUrl !== undefined) {
    if (requested === 'HS256') problems.push(asymmetricOnly);
    // A JWKS may hold keys of any type, so nothing to infer from: RS256 is what identity providers sign with by default.
    algorithm = requested === 'ES256' ? 'ES256' : 'RS256';
  }
  return { secret, publicKey, jwksUrl, algorithm };
}

interface InspectedPublicKey {
  pem: string;
  algorithm: Exclude<JwtAlgorithm, 'HS256'>;
  keyType: string;
}

/** Reads a PEM public key; returns what is wrong with it as a string. */
function inspectPublicKey(text: string): InspectedPublicKey | string {
  // Compose files and CI secrets often carry a PEM on one line with literal "\n" separators.
  const pem = text.includes('\n') ? text : text.replaceAll('\\n', '\n');
  if (pem.includes('PRIVATE KEY')) {
    return 'holds a private key: give the gateway only the public key ("-----BEGIN PUBLIC KEY-----")';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'is not a PEM public key ("-----BEGIN PUBLIC KEY-----" ... "-----END PUBLIC KEY-----")';
  }
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) return 'is an RSA key shorter than 2048 bits';
    return { pem: spki, algorithm: 'RS256', keyType: 'RSA' };
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') {
    return { pem: spki, algorithm: 'ES256', keyType: 'EC P-256' };
  }
  const curve = details?.namedCurve ? ` (${details.namedCurve})` : '';
  return `is an ${String(key.asymmetricKeyType)}${curve} key; tokens are verified with RSA (RS256) or EC P-256 (ES256)`;
}

/** A production gateway must neither accept unverifiable tokens nor store engine credentials in clear. */
function productionProblems(raw: Record<string, string>): string[] {
  const problems: string[] = [];
  if (JWT_KEY_VARIABLES.every((name) => raw[name] === undefined)) {
    problems.push(
      'SWARMGATE_JWT_PUBLIC_KEY or SWARMGATE_JWT_JWKS_URL (or SWARMGATE_JWT_SECRET): NODE_ENV=production needs ' +
        'key material to verify bearer tokens',
    );
  }
  if (raw.SWARMGATE_SECRET_KEY === undefined) {
    problems.push(
      'SWARMGATE_SECRET_KEY: NODE_ENV=production needs it to encrypt stored engine credentials ' +
        '(32 random bytes as 64 hex characters, e.g. `openssl rand -hex 32`)',
    );
  }
  if (protocolOf(raw.SWARMGATE_JWT_JWKS_URL) === 'http:') {
    problems.push(
      'SWARMGATE_JWT_JWKS_URL: must be https in production; keys fetched over plain HTTP can be forged',
    );
  }
  return problems;
}

function protocolOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).protocol;
  } catch {
    return undefined; // the schema reports the malformed URL
  }
}

/** An empty variable counts as unset, as shells and compose files often export `VAR=`. */
function nonEmpty(source: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source))
    if (value !== undefined && value !== '') out[key] = value;
  return out;
}
