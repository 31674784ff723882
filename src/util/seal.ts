// Seals engine credentials at rest with AES-256-GCM under SWARMGATE_SECRET_KEY, and opens them again.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Layout of a sealed value: [version 1 byte][IV 12 bytes][GCM tag 16 bytes][ciphertext].
 * The version byte lets a later format (or key rotation) coexist with values already stored.
 */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;

export interface Sealer {
  /**
   * Encrypts `plain`. `context` is authenticated but not stored (GCM associated data): pass what the value
   * belongs to (e.g. a swarm endpoint id) and the same `context` to `open`, so a sealed value copied onto
   * another row does not open there. The version byte is authenticated too.
   */
  seal(plain: string, context?: string): Buffer;
  /** Decrypts a value from `seal`; throws SealError (never holding plaintext) on a wrong key, context or any change. */
  open(sealed: Buffer, context?: string): string;
  /**
   * A keyed digest (HMAC-SHA256, hex) of `data` under a key derived from the secret key, for labels that must tell a
   * changed secret value from the same one without letting whoever reads them test guesses offline (a plain hash
   * of a short secret is as good as the secret). `context` separates uses (and salts: the same value under two names
   * digests differently).
   */
  digest: (data: Buffer | string, context: string) => string;
}

/** What computes a keyed digest: Sealer['digest'], or a test's own. */
export type ContentDigest = Sealer['digest'];

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** `key`: 32 bytes, as a Buffer or as SWARMGATE_SECRET_KEY spells it (64 hex characters or base64). */
export function createSealer(key: string | Buffer): Sealer {
  const secret = parseSecretKey(key);
  const digestKey = Buffer.from(
    hkdfSync('sha256', secret, Buffer.alloc(0), 'swarmgate content digest v1', KEY_BYTES),
  );
  return {
    digest: (data, context) =>
      createHmac('sha256', digestKey).update(context).update('\0').update(data).digest('hex'),
    seal(plain, context = '') {
      const iv = randomBytes(IV_BYTES);
      const header = Buffer.from([VERSION]);
      const cipher = createCipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(header, context));
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed, context = '') {
      if (sealed.length < HEADER_BYTES) {
        throw new SealError(
          `sealed value is truncated: ${sealed.length} bytes, at least ${HEADER_BYTES} expected`,
        );
      }
      const version = sealed[0];
      if (version !== VERSION) {
        throw new SealError(
          `sealed value has unknown format version ${String(version)} (expected ${VERSION})`,
        );
      }
      const iv = sealed.subarray(1, 1 + IV_BYTES);
      const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(sealed.subarray(0, 1), context));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        // GCM cannot tell a wrong key from altered bytes; both mean the stored credential is unusable as is.
        throw new SealError(
          'sealed value cannot be opened: SWARMGATE_SECRET_KEY differs from the key that sealed it, ' +
            'or the stored bytes were altered',
        );
      }
    },
  };
}

/** Decodes SWARMGATE_SECRET_KEY; throws naming the expected forms, never echoing the key. */
export function parseSecretKey(key: string | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(key)) bytes = key;
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(key)) bytes = Buffer.from(key, 'base64');
  else throw new SealError('the secret key must be 32 bytes given as 64 hex characters or base64');
  if (bytes.length !== KEY_BYTES) {
    throw new SealError(`the secret key must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function associatedData(header: Buffer, context: string): Buffer {
  // The header has a fixed length, so header + context is unambiguous without a separator.
  return Buffer.concat([header, Buffer.from(context, 'utf8')]);
}
