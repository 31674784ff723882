// Removes secrets from anything headed for the audit log, a log line or an error message: declared secret fields
// by name, and by a scan of values for join tokens, PEM blocks and JWTs.
import { createHash } from 'node:crypto';

export const REDACTED = '[REDACTED]';

/**
 * Field names whose values are secrets wherever they appear. (Not `key`: label keys are not secret; private
 * keys are caught by the PEM scan below whatever field holds them.)
 */
const SECRET_FIELDS = new Set([
  'tls',
  'token',
  'jointoken',
  'jointokens',
  'unlockkey',
  'privatekey',
  'password',
  'secret',
  'authorization',
  'credentials',
  // The value of a secret or the data of a config, as their jobs keep them (domain/swarm-objects.ts).
  'secretdata',
  'configdata',
]);

const SECRET_PATTERNS: RegExp[] = [
  // Swarm join tokens: SWMTKN-1-<digest>-<secret>
  /SWMTKN-\d+-[A-Za-z0-9]+-[A-Za-z0-9]+/g,
  // Swarm unlock keys
  /SWMKEY-\d+-[A-Za-z0-9+/=_-]+/g,
  // PEM blocks (keys and certificates alike)
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g,
  // JWTs: three base64url parts, the first two JSON objects
  /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

/** True when a string holds something that looks like a secret. */
export function containsSecret(value: string): boolean {
  return SECRET_PATTERNS.some((pattern) => {
    pattern.lastIndex = 0;
    return pattern.test(value);
  });
}

/** The string with every secret-looking part replaced. */
export function scrubString(value: string): string {
  let out = value;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** What the audit keeps of a compose text (deployStack): its sha256 and size, never the text. */
export function composeDigest(text: string): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
}

/**
 * A copy of `value` without secrets: fields named as secrets are replaced whole, strings are scrubbed.
 * `extraSecretFields` adds names for one operation (compared case-insensitively).
 */
export function redactSecrets(value: unknown, extraSecretFields: readonly string[] = []): unknown {
  const extra = new Set(extraSecretFields.map((name) => name.toLowerCase()));
  const walk = (current: unknown, depth: number): unknown => {
    if (depth > 20) return REDACTED;
    if (typeof current === 'string') return scrubString(current);
    if (Array.isArray(current)) return current.map((item) => walk(item, depth + 1));
    if (current && typeof current === 'object') {
      const out: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(current)) {
        const lower = name.toLowerCase();
        // Service environments often carry passwords: keep the variable names, never their values.
        if (lower === 'env' && Array.isArray(inner)) {
          out[name] = inner.map((entry) =>
            typeof entry === 'string' ? `${entry.split('=')[0]}=${REDACTED}` : REDACTED,
          );
          continue;
        }
        // A stack's compose text may hold secrets written into it: its digest and size stand for it.
        if (lower === 'compose' && typeof inner === 'string') {
          out[name] = composeDigest(inner);
          continue;
        }
        out[name] =
          (SECRET_FIELDS.has(lower) || extra.has(lower)) && inner !== null && inner !== undefined
            ? REDACTED
            : walk(inner, depth + 1);
      }
      return out;
    }
    return current;
  };
  return walk(value, 0);
}
