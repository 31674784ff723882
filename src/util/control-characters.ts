// Control characters in what clients send and in what engines answer. Input holding them is refused (BAD_INPUT
// naming the field) at both doors before anything is audited; texts the gateway stores (engine messages, names read
// from engines) are cleaned of them, since PostgreSQL refuses NUL in text and \u0000 in jsonb, and a lone UTF-16
// surrogate is not a character at all.
import { badInput, type GatewayError } from '../errors.ts';

/**
 * C0 controls but TAB, LF and CR (legitimate in PEM blocks, reasons, compose files and GraphQL documents), DEL, and
 * the C1 controls U+0080-U+009F.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Either of the above: the first refused character of a string. */
const REFUSED = new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`);
const REFUSED_ALL = new RegExp(REFUSED.source, 'g');

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'BS',
  0x0b: 'VT',
  0x0c: 'FF',
  0x1b: 'ESC',
  0x7f: 'DEL',
};

/** "U+0000 (NUL)", "U+0085 (a C1 control character)", "U+D800 (a lone surrogate, not a character)". */
export function describeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code >= 0xd800 && code <= 0xdfff) return `${hex} (a lone surrogate, not a character)`;
  const name = NAMES[code] ?? (code >= 0x80 ? 'a C1 control character' : 'a control character');
  return `${hex} (${name})`;
}

/** The first refused character of a string (a control character or a lone surrogate), or null. */
export function refusedCharacterOf(text: string): string | null {
  const match = REFUSED.exec(text);
  return match ? match[0] : null;
}

/** True when the string holds no control character (but TAB, LF, CR) and no lone surrogate. */
export const isCleanText = (text: string): boolean => !REFUSED.test(text);

/**
 * The string with every control character (but TAB, LF and CR) and every lone surrogate replaced by U+FFFD, the
 * replacement character: what may be stored (PostgreSQL text and jsonb), logged or shown from a text the gateway did
 * not write itself. Replaced rather than removed, so that "drain\0" never reads as "drain".
 */
export function cleanText(text: string): string {
  if (!REFUSED.test(text)) return text;
  return text.replace(REFUSED_ALL, '\ufffd');
}

/**
 * A copy of a JSON-like value whose every string, object keys included, is cleaned (cleanText). A value holding
 * nothing to clean (found without recursion) is returned as it is; the copy recurses, for the values the gateway
 * stores (validated inputs, engine answers), whose depth is bounded.
 */
export function cleanJson<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (typeof value !== 'object' || value === null || !holdsRefused(value)) return value;
  const copy = (current: unknown): unknown => {
    if (typeof current === 'string') return cleanText(current);
    if (Array.isArray(current)) return current.map(copy);
    if (typeof current === 'object' && current !== null && !(current instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(current)) out[cleanText(key)] = copy(inner);
      return out;
    }
    return current;
  };
  return copy(value) as T;
}

/** True when some string of the value (or key) holds a refused character. */
function holdsRefused(value: unknown): boolean {
  return findRefusedCharacter(value, '') !== null;
}

/** Where a refused character was found: the field's path ("body.add[0].value") and the character. */
export interface RefusedCharacter {
  path: string;
  character: string;
}

interface Frame {
  value: unknown;
  parent: Frame | null;
  /** How the parent reaches this value: a property name or an array index. */
  step: string | number | null;
}

/** A property name as it appears in a path; a name holding refused characters is shown with \u escapes. */
const printableKey = (key: string): string =>
  key.replace(REFUSED_ALL, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);

function pathOf(frame: Frame, root: string, lastKey?: string): string {
  const steps: (string | number)[] = [];
  if (lastKey !== undefined) steps.push(lastKey);
  for (let at: Frame | null = frame; at && at.step !== null; at = at.parent) steps.push(at.step);
  let path = root;
  for (const step of steps.reverse()) {
    if (typeof step === 'number') path += `[${step}]`;
    else path += path === '' ? printableKey(step) : `.${printableKey(step)}`;
  }
  return path;
}

/**
 * The first string of a JSON-like value (object keys included) holding a control character or a lone surrogate, with
 * its path under `root` ("body" → "body.add[0].value", "" → "add[0].value"); null when there is none. Iterative: a
 * value nested 10,000 levels deep costs no stack.
 */
export function findRefusedCharacter(value: unknown, root: string): RefusedCharacter | null {
  const stack: Frame[] = [{ value, parent: null, step: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const current = frame.value;
    if (typeof current === 'string') {
      const character = refusedCharacterOf(current);
      if (character !== null) return { path: pathOf(frame, root), character };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      // Pushed last to first, so that the first offending item is the one reported.
      for (let index = current.length - 1; index >= 0; index -= 1)
        stack.push({ value: current[index] as unknown, parent: frame, step: index });
      continue;
    }
    const entries: [string, unknown][] = Object.entries(current);
    for (const [key] of entries) {
      const character = refusedCharacterOf(key);
      if (character !== null) return { path: pathOf(frame, root, key), character };
    }
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, inner] = entries[index]!;
      stack.push({ value: inner, parent: frame, step: key });
    }
  }
  return null;
}

/** The BAD_INPUT for a refused character, naming the field and the character (never quoting the value). */
export function refusedCharacterError(found: RefusedCharacter): GatewayError {
  return badInput(
    `${found.path || 'the input'} holds ${describeCharacter(found.character)}: control characters (other than tab, ` +
      'line feed and carriage return) and unpaired surrogates are not accepted; remove it',
    {
      field: found.path,
      character: `U+${found.character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    },
  );
}

/** BAD_INPUT naming the first field of the value (under `root`) that holds a refused character, or null. */
export function refusedCharacterIn(value: unknown, root: string): GatewayError | null {
  const found = findRefusedCharacter(value, root);
  return found ? refusedCharacterError(found) : null;
}
