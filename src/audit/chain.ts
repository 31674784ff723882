// The audit hash chain: a canonical serialisation of an event's content and SHA-256 over it and the previous hash.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = Buffer.alloc(32);

/** JSON with object keys sorted at every level, so the same content always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

export function chainHash(prevHash: Buffer, content: unknown): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalJson(content)).digest();
}
