// SWARMGATE_SECRET_KEY, or in development a random key made once and kept under var/ (production requires the variable).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DEVELOPMENT_KEY_FILE = 'var/secret.key';

export function resolveSecretKey(
  configured: string | undefined,
  devKeyFile = DEVELOPMENT_KEY_FILE,
): {
  key: string;
  fromFile: boolean;
} {
  if (configured) return { key: configured, fromFile: false };
  if (!existsSync(devKeyFile)) {
    mkdirSync(path.dirname(devKeyFile), { recursive: true });
    writeFileSync(devKeyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  chmodSync(devKeyFile, 0o600);
  return { key: readFileSync(devKeyFile, 'utf8').trim(), fromFile: true };
}
