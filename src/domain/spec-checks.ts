// The field checks every service input shares: each returns the value in Docker's terms or throws BAD_INPUT naming
// the field. Messages never repeat a value that may be a secret (an env value, a label value).
import { badInput } from '../errors.ts';

type Maybe<T> = T | null | undefined;

export interface LabelInput {
  key: string;
  value?: Maybe<string>;
}

export const MAX_LIST = 100;
export const MAX_STRING = 4096;

export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badInput(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Seconds (fractions allowed) from 0 to a day, as Docker's nanoseconds. */
export function seconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400) {
    throw badInput(`${field} must be a number of seconds from 0 to 86400`);
  }
  return Math.round(value * 1e9);
}

export function strings(value: unknown, field: string, max = MAX_LIST): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.length > MAX_STRING)) {
    throw badInput(`${field} must be a list of strings (each at most ${MAX_STRING} characters)`);
  }
  if (value.length > max) throw badInput(`${field} must have at most ${max} entries`);
  return value as string[];
}

/** A string matching `pattern`, at most `max` characters; `what` says in words what it must be. */
export function matching(value: unknown, field: string, pattern: RegExp, max: number, what: string): string {
  if (typeof value !== 'string' || value.length > max || !pattern.test(value)) {
    throw badInput(`${field} must be ${what} (at most ${max} characters)`);
  }
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw badInput(`${field} must be true or false`);
  return value;
}

/** `[{ key, value }]` as a map; a key given twice or empty is refused. */
export function labelMap(value: unknown, field = 'labels'): Record<string, string> {
  if (!Array.isArray(value)) throw badInput(`${field} must be a list of { key, value }`);
  if (value.length > MAX_LIST) throw badInput(`${field} must have at most ${MAX_LIST} entries`);
  const labels: Record<string, string> = {};
  for (const label of value as LabelInput[]) {
    const key = typeof label?.key === 'string' ? label.key.trim() : '';
    if (!key) throw badInput(`a key of ${field} must not be empty`);
    if (key.length > 255) throw badInput(`a key of ${field} must be at most 255 characters`);
    if (key in labels) throw badInput(`${field}: "${key}" is given twice`);
    const text = label.value ?? '';
    if (typeof text !== 'string' || text.length > MAX_STRING) {
      throw badInput(`${field}: the value of "${key}" must be a string of at most ${MAX_STRING} characters`);
    }
    labels[key] = text;
  }
  return labels;
}

/** A map as `[{ key, value }]`, sorted by key: what labelMap reads back. */
export function labelList(map: Readonly<Record<string, string>> | null | undefined): LabelInput[] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

/** An object (for nested inputs), or BAD_INPUT naming it. */
export function objectOf<T extends object>(value: unknown, field: string): T {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw badInput(`${field} must be an object`);
  return value as T;
}
