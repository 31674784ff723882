// A stack's compose file, from the caller's text to a checked object: YAML parsed within limits (size, aliases,
// depth), `${VAR}` interpolated from the caller's env only (never the gateway's own environment), then validated
// against the Compose Specification schema (schema/compose-spec.json), as `docker stack deploy` loads a file.
// Every refusal is BAD_INPUT naming where (a line and column, or a path), never quoting the text: a compose file
// may carry secrets, and errors reach logs and the audit.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type ScalarTag } from 'yaml';
import { badInput } from '../errors.ts';

/** The largest compose text taken, in bytes (UTF-8). */
export const MAX_COMPOSE_BYTES = 512 * 1024;
/** YAML aliases a file may use: a few are normal (anchors for shared settings), thousands are a bomb. */
const MAX_ALIASES = 100;
/** How deep the parsed document may nest: compose files need about 8 levels. */
const MAX_DEPTH = 32;
/** How many `KEY=VALUE` entries env may have, and their total size. */
const MAX_ENV_ENTRIES = 1000;
const MAX_ENV_BYTES = 512 * 1024;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A compose file after interpolation and validation (the schema says what is in it). */
export type ComposeFile = Record<string, unknown> & { services: Record<string, Record<string, unknown>> };

/** The caller's env as a map; only keys are ever repeated in errors (values may be secrets). */
export function envMapOf(value: unknown): Map<string, string> {
  const env = new Map<string, string>();
  if (value === undefined || value === null) return env;
  if (!Array.isArray(value)) throw badInput('env must be a list of KEY=VALUE strings', { field: 'env' });
  if (value.length > MAX_ENV_ENTRIES) throw badInput(`env takes at most ${MAX_ENV_ENTRIES} entries`);
  let bytes = 0;
  for (const [index, entry] of value.entries()) {
    if (typeof entry !== 'string') throw badInput(`env[${index}] must be a KEY=VALUE string`);
    bytes += Buffer.byteLength(entry);
    const cut = entry.indexOf('=');
    const key = cut < 0 ? entry : entry.slice(0, cut);
    if (cut < 0 || !ENV_KEY.test(key)) {
      throw badInput(
        `env[${index}] must be KEY=VALUE with KEY of letters, digits and "_" (not starting with a digit)`,
        { field: `env[${index}]` },
      );
    }
    if (env.has(key)) throw badInput(`env gives ${key} twice`, { field: `env[${index}]` });
    env.set(key, entry.slice(cut + 1));
  }
  if (bytes > MAX_ENV_BYTES) throw badInput(`env must be at most ${MAX_ENV_BYTES} bytes in all`);
  return env;
}

// ---------------------------------------------------------------- YAML

/**
 * `0440` as the octal number Compose files mean by it (file modes): the docker CLI's YAML reader takes a leading 0
 * as octal, where YAML 1.2 alone would read 440.
 */
const LEGACY_OCTAL: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (text) => parseInt(text, 8),
};

/** The YAML text as plain data, within the limits; BAD_INPUT with the line and column of the first error. */
export function parseComposeYaml(text: unknown): unknown {
  if (typeof text !== 'string' || !text.trim()) {
    throw badInput('compose must be the text of a compose file (YAML)', { field: 'compose' });
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_COMPOSE_BYTES) {
    throw badInput(`compose is ${bytes} bytes; at most ${MAX_COMPOSE_BYTES} are taken`, { field: 'compose' });
  }
  // The yaml package's own limits stop alias bombs while converting; uniqueKeys refuses a key given twice.
  const document = parseDocument(text, {
    uniqueKeys: true,
    merge: true,
    prettyErrors: true,
    customTags: (tags) => [LEGACY_OCTAL, ...tags],
  });
  const [error] = document.errors;
  if (error) {
    const at = error.linePos?.[0];
    // error.code names the kind (BAD_INDENT, DUPLICATE_KEY...); error.message would quote the text.
    throw badInput(
      `compose is not valid YAML (${error.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`,
      { field: 'compose', ...(at ? { line: at.line, column: at.col } : {}) },
    );
  }
  checkDepth(document.contents, 0);
  try {
    return document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    throw badInput(
      `compose uses YAML aliases too often (more than ${MAX_ALIASES} expansions); write the values out`,
      { field: 'compose' },
    );
  }
}

/** Nesting deeper than MAX_DEPTH is refused before conversion (on the syntax tree: aliases are not followed). */
function checkDepth(node: YamlNode | null | undefined, depth: number): void {
  if (!node || isScalar(node)) return;
  if (depth > MAX_DEPTH)
    throw badInput(`compose nests deeper than ${MAX_DEPTH} levels`, { field: 'compose' });
  if (isMap(node)) {
    for (const pair of node.items) {
      checkDepth(pair.key as YamlNode | null, depth + 1);
      checkDepth(pair.value as YamlNode | null, depth + 1);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) checkDepth(item as YamlNode | null, depth + 1);
  }
}

// ---------------------------------------------------------------- interpolation

/**
 * Every string value with `${VAR}` (and `$VAR`) replaced from `env`, as Compose does: `${VAR:-d}` (d when unset
 * or empty), `${VAR-d}` (d when unset), `${VAR:?msg}` / `${VAR?msg}` (refused when missing), `${VAR:+a}` /
 * `${VAR+a}` (a when set), `$$` for a literal `$`. An unset variable without a default is the empty string.
 * Keys are not interpolated. `path` names the value in errors.
 */
export function interpolate(value: unknown, env: ReadonlyMap<string, string>, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, interpolate(inner, env, joinPath(path, key))]),
    );
  }
  return value;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export function interpolateString(text: string, env: ReadonlyMap<string, string>, path: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char !== '$') {
      out += char;
      index += 1;
      continue;
    }
    const next = text[index + 1];
    if (next === '$') {
      out += '$';
      index += 2;
    } else if (next === '{') {
      const end = closingBrace(text, index + 2, path);
      out += substitute(text.slice(index + 2, end), env, path);
      index = end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = index + 1;
      while (end < text.length && NAME_CHAR.test(text[end]!)) end += 1;
      out += env.get(text.slice(index + 1, end)) ?? '';
      index = end;
    } else {
      throw badInput(`${path || 'compose'}: a "$" must start \${VAR} or $VAR; write $$ for a literal "$"`, {
        field: path,
      });
    }
  }
  return out;
}

/** The index of the `}` closing a `${` whose body starts at `start` (defaults may nest `${...}`). */
function closingBrace(text: string, start: number, path: string): number {
  let depth = 1;
  for (let index = start; index < text.length; index += 1) {
    if (text[index] === '$' && text[index + 1] === '{') {
      depth += 1;
      index += 1;
    } else if (text[index] === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw badInput(`${path || 'compose'}: a "\${" is not closed by "}"`, { field: path });
}

function substitute(body: string, env: ReadonlyMap<string, string>, path: string): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!match) {
    throw badInput(`${path || 'compose'}: "\${...}" must name a variable (letters, digits, "_")`, {
      field: path,
    });
  }
  const [, name = '', operator, argument = ''] = match;
  const value = env.get(name);
  const unset = value === undefined;
  const missing = operator?.startsWith(':') ? unset || value === '' : unset;
  switch (operator?.replace(':', '')) {
    case '-':
      return missing ? interpolateString(argument, env, path) : value!;
    case '?':
      if (missing) {
        const why = interpolateString(argument, env, path);
        throw badInput(`${path || 'compose'}: variable ${name} is required${why ? `: ${why}` : ''}`, {
          field: path,
          variable: name,
        });
      }
      return value!;
    case '+':
      return missing ? '' : interpolateString(argument, env, path);
    default:
      return value ?? '';
  }
}

function joinPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
    ? path
      ? `${path}.${key}`
      : key
    : `${path}[${JSON.stringify(key)}]`;
}

// ---------------------------------------------------------------- schema

let validator: ValidateFunction | null = null;

/** The Compose Specification schema, compiled once. */
function composeValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(
    readFileSync(new URL('../../schema/compose-spec.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  // The schema names draft-07 by an https URL ajv does not know; ajv's default dialect is draft-07.
  delete schema.$schema;
  validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
  return validator;
}

/** "services.web.ports[0]" for ajv's "/services/web/ports/0". */
function pathOf(error: ErrorObject): string {
  const parts = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = '';
  for (const part of parts) path = /^\d+$/.test(part) ? `${path}[${part}]` : joinPath(path, part);
  const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
  return typeof extra === 'string' ? joinPath(path, extra) : path;
}

function describe(error: ErrorObject): string {
  const path = pathOf(error) || '(the file)';
  if (error.keyword === 'additionalProperties') return `${path} is not a Compose key`;
  return `${path} ${error.message ?? 'is not valid'}`;
}

/** The interpolated file checked against the Compose Specification; BAD_INPUT names the first error's path. */
export function validateCompose(value: unknown): ComposeFile {
  const validate = composeValidator();
  if (!validate(value)) {
    const errors = (validate.errors ?? []).slice(0, 3);
    throw badInput(`compose does not follow the Compose Specification: ${errors.map(describe).join('; ')}`, {
      field: 'compose',
      paths: errors.map(pathOf),
    });
  }
  const file = value as Record<string, unknown>;
  const services = file.services;
  if (!services || typeof services !== 'object' || Object.keys(services).length === 0) {
    throw badInput('compose must define at least one service under services', { field: 'compose' });
  }
  return file as ComposeFile;
}

/** The caller's compose text as a checked compose file, interpolated from `env`. */
export function loadCompose(text: unknown, env: ReadonlyMap<string, string>): ComposeFile {
  const parsed = parseComposeYaml(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badInput('compose must be a YAML mapping (services:, networks:, ...)', { field: 'compose' });
  }
  return validateCompose(interpolate(parsed, env));
}
