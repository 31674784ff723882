// A corpus of bad inputs over both doors, generated from the OpenAPI document and the GraphQL schema (every body
// field, path and query parameter, every mutation's input leaf) plus malformed bodies, huge strings, unicode edge
// cases and traversal in ids. Each must be refused with a 4xx and one of the brief's codes (never 500, never a crash),
// and afterwards the database holds nothing new but refusals' audit events: no job, no swarm, no succeeded or failed
// event. Nothing here can reach an engine: every id names nothing, every name and endpoint is invalid.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isEnumType, isNonNullType, type GraphQLField } from 'graphql';
import pg from 'pg';
import { bearer, claimsFor, signToken } from '../helpers/tokens.ts';
import { setupRedBlue, type RedBlue } from '../helpers/red-blue.ts';
import {
  argumentsOf,
  fillGraphqlInput,
  fillJson,
  graphqlLeaves,
  graphqlSchema,
  graphqlWithLeaf,
  jsonLeaves,
  jsonWithLeaf,
  openApiOperations,
  urlOf,
  type OpenApiOperation,
  type ScalarFill,
} from '../helpers/api-surface.ts';

/** The brief's codes a refusal of bad input may carry. */
const REFUSAL_CODES = new Set([
  'BAD_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
]);

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Case {
  name: string;
  door: 'rest' | 'graphql';
  method: Method;
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Omit the bearer token (or send `headers.authorization` instead). */
  anonymous?: boolean;
  /** The code the answer must carry (default: any refusal code). */
  code?: string;
  /** A field the BAD_INPUT must name (REST details.field, or the GraphQL message's start). */
  field?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
/** Values that name nothing: the corpus never reaches an engine or another tenant's objects. */
const NOWHERE: Record<string, string> = {
  swarm: 'no-such-swarm',
  node: 'no-such-node',
  service: 'no-such-service',
  id: randomUUID(),
  job: randomUUID(),
};

/** Required scalars of generated inputs: names and endpoints invalid, refs naming nothing. */
const fill: ScalarFill = (name, type, enumValues) => {
  if (enumValues.length > 0) return enumValues[0];
  if (['integer', 'number', 'Int', 'Float'].includes(type)) return 1;
  if (type === 'boolean' || type === 'Boolean') return false;
  if (name in NOWHERE) return NOWHERE[name];
  if (name === 'name') return '!not a name';
  if (name === 'url' || name === 'endpoint') return 'not-a-url';
  if (type === 'DateTime') return '2026-01-01T00:00:00Z';
  return 'x';
};

/** A JSON text with `raw` JSON (a number JSON.stringify cannot write, such as 1e309) at the placeholder. */
const RAW = '\u0001raw\u0001';
function jsonWithRaw(value: unknown, raw: string): string {
  return JSON.stringify(value).replace(JSON.stringify(RAW), raw);
}

const escapeChar = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
const restField = (root: string, path: readonly (string | number)[]) =>
  path.reduce<string>((at, step) => (typeof step === 'number' ? `${at}[${step}]` : `${at}.${step}`), root);

// ---------------------------------------------------------------- REST cases, from the OpenAPI document

function restBodyCorruptions(operation: OpenApiOperation, url: string): Case[] {
  const base = { door: 'rest' as const, method: operation.method, url };
  const bodies: [string, string, Record<string, string>?][] = [
    ['truncated JSON', '{"reason": "x"'],
    ['trailing comma', '{"reason": "x",}'],
    ['single quotes', "{'reason': 'x'}"],
    ['NaN literal', '{"reason": NaN}'],
    ['comment', '{"reason": "x" /* hi */}'],
    ['empty body', ''],
    ['whitespace body', '   '],
    ['array instead of object', '[]'],
    ['array of objects', '[{"reason": "x"}]'],
    ['string instead of object', '"x"'],
    ['number instead of object', '42'],
    ['null body', 'null'],
    ['object nested 10,000 levels', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['array nested 10,000 levels', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['__proto__ key', '{"__proto__": {"admin": true}}'],
    ['constructor.prototype key', '{"constructor": {"prototype": {"admin": true}}}'],
    ['unknown property only', '{"noSuchField": 1}'],
    ['body over the size limit', JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) })],
    ['text/plain body', '{"reason": "x"}', { 'content-type': 'text/plain' }],
    ['form body', 'reason=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['XML body', '<reason>x</reason>', { 'content-type': 'application/xml' }],
  ];
  return bodies.map(([name, payload, headers]) => ({
    ...base,
    name: `${operation.operationId}: ${name}`,
    payload,
    headers: headers ?? JSON_TYPE,
  }));
}

function restBodyLeafCases(operation: OpenApiOperation, url: string): Case[] {
  const body = operation.body;
  if (!body) return [];
  const base = fillJson(body, 'body', fill);
  const cases: Case[] = [];
  const add = (name: string, payload: string, expect: Partial<Case> = {}) =>
    cases.push({
      door: 'rest',
      method: operation.method,
      url,
      headers: JSON_TYPE,
      name: `${operation.operationId}: ${name}`,
      payload,
      ...expect,
    });
  for (const leaf of jsonLeaves(body)) {
    const at = restField('body', leaf.path);
    const put = (value: unknown) => JSON.stringify(jsonWithLeaf(body, leaf.path, value, fill));
    switch (leaf.type) {
      case 'string':
        for (const character of ['\u0000', '\u001b', '\u007f', '\u0085', '\ud800', '\udc00']) {
          add(`${at} holding ${escapeChar(character)}`, put(`a${character}b`), {
            code: 'BAD_INPUT',
            field: at,
          });
        }
        add(`${at} as an object`, put({ nested: 'x' }));
        add(`${at} as an array of objects`, put([{}]));
        if (leaf.enumValues.length > 0) add(`${at} outside its enum`, put('NO_SUCH_VALUE'));
        break;
      case 'integer':
      case 'number':
        add(`${at} as a word`, put('many'));
        add(`${at} as 1.5`, put(1.5));
        add(`${at} as 1e309`, jsonWithRaw(jsonWithLeaf(body, leaf.path, RAW, fill), '1e309'));
        add(`${at} as -1e309`, jsonWithRaw(jsonWithLeaf(body, leaf.path, RAW, fill), '-1e309'));
        add(`${at} as 2^53+1`, jsonWithRaw(jsonWithLeaf(body, leaf.path, RAW, fill), '9007199254740993'));
        add(`${at} as -1`, put(-1));
        add(`${at} as an object`, put({}));
        break;
      case 'boolean':
        add(`${at} as a word`, put('maybe'));
        add(`${at} as an object`, put({}));
        break;
      case 'array':
        add(`${at} as an object`, put({ 0: 'x' }));
        add(
          `${at} as an array nested 10,000 levels`,
          jsonWithRaw(jsonWithLeaf(body, leaf.path, RAW, fill), `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
        );
        break;
      default:
        add(`${at} as a number`, put(42));
        break;
    }
  }
  // A key holding NUL, at the top of the body.
  add('a key holding NUL', JSON.stringify({ ...(base as object), 'k\u0000': 1 }), {
    code: 'BAD_INPUT',
    field: 'body.k\\u0000',
  });
  return cases;
}

/** Traversal, encoded NUL, bad escapes and overlong UTF-8 in each path parameter. */
const TRAVERSALS = [
  '..',
  '.',
  '../..',
  '%2e%2e',
  '%2e%2e%2f',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%5c%2e%2e%5cwindows',
  '..%252f..%252f',
  'a%00b',
  '%00',
  '%2500',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%ff%fe',
  '%',
  'a%2fb',
  '%e2%80%ae',
  '%ef%bc%8e%ef%bc%8e',
];

function restPathCases(operation: OpenApiOperation): Case[] {
  const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const cases: Case[] = [];
  for (const name of names) {
    for (const traversal of TRAVERSALS) {
      cases.push({
        name: `${operation.operationId}: ${name} = ${traversal}`,
        door: 'rest',
        method: operation.method,
        url: urlOf(operation, { ...NOWHERE, [name]: traversal }, { raw: [name] }),
        ...(operation.body ? { payload: '{}', headers: JSON_TYPE } : {}),
        ...(traversal.includes('%00') ? { code: 'BAD_INPUT' } : {}),
      });
    }
  }
  return cases;
}

function restQueryCases(operation: OpenApiOperation): Case[] {
  const cases: Case[] = [];
  const url = (query: string) => urlOf(operation, NOWHERE, { query });
  const base = {
    door: 'rest' as const,
    method: operation.method,
    ...(operation.body ? { payload: '{}', headers: JSON_TYPE } : {}),
  };
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
    cases.push({
      ...base,
      name: `${operation.operationId}: ?${parameter.name} holding NUL`,
      url: url(`${parameter.name}=a%00b`),
      code: 'BAD_INPUT',
      field: `querystring.${parameter.name}`,
    });
    cases.push({
      ...base,
      name: `${operation.operationId}: ?${parameter.name} holding ESC`,
      url: url(`${parameter.name}=a%1bb`),
      code: 'BAD_INPUT',
      field: `querystring.${parameter.name}`,
    });
    const type = parameter.schema?.type;
    if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
      for (const value of ['-1', '0', '1e309', 'many', '99999999999999999999', '1.5']) {
        cases.push({
          ...base,
          name: `${operation.operationId}: ?${parameter.name}=${value}`,
          url: url(`${parameter.name}=${value}`),
        });
      }
    }
  }
  if (operation.parameters.some((parameter) => parameter.in === 'query')) {
    cases.push({
      ...base,
      name: `${operation.operationId}: unknown query parameter`,
      url: url('noSuchParameter=1'),
    });
  }
  return cases;
}

// ---------------------------------------------------------------- GraphQL cases, from the schema

function graphqlCase(name: string, body: unknown, expect: Partial<Case> = {}): Case {
  return {
    name: `graphql ${name}`,
    door: 'graphql',
    method: 'POST',
    url: '/graphql',
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: JSON_TYPE,
    ...expect,
  };
}

/** For each mutation and each leaf of its input: wrong types, control characters, out-of-range numbers. */
function graphqlMutationCases(): Case[] {
  const schema = graphqlSchema();
  const cases: Case[] = [];
  for (const field of Object.values(schema.getMutationType()!.getFields()) as GraphQLField<
    unknown,
    unknown
  >[]) {
    const { definitions, call, args } = argumentsOf(field);
    const query = `mutation ${definitions} { ${field.name}${call} { __typename } }`;
    const base = Object.fromEntries(
      args.map((arg) => [arg.name, fillGraphqlInput(arg.type, arg.name, fill)]),
    );
    for (const arg of args) {
      for (const leaf of graphqlLeaves(arg.type)) {
        const at = `${field.name}: $${[arg.name, ...leaf.path].join('.')}`;
        const variables = (value: unknown) => ({
          ...base,
          [arg.name]: graphqlWithLeaf(arg.type, leaf.path, value, fill, arg.name),
        });
        const put = (value: unknown) => ({ query, variables: variables(value) });
        const putRaw = (raw: string) => jsonWithRaw({ query, variables: variables(RAW) }, raw);
        const variable = `$${restField(arg.name, leaf.path).replace(/^\$?/, '')}`;
        if (['String', 'ID', 'DateTime'].includes(leaf.typeName)) {
          for (const character of ['\u0000', '\u0008', '\u009b', '\ud800']) {
            cases.push(
              graphqlCase(`${at} holding ${escapeChar(character)}`, put(`a${character}b`), {
                code: 'BAD_INPUT',
                field: variable,
              }),
            );
          }
          cases.push(graphqlCase(`${at} as an object`, put({ a: 1 }), { code: 'BAD_INPUT' }));
          if (leaf.typeName !== 'DateTime')
            cases.push(graphqlCase(`${at} as 42.5`, put(42.5), { code: 'BAD_INPUT' }));
        } else if (leaf.typeName === 'Int') {
          cases.push(graphqlCase(`${at} as a word`, put('many'), { code: 'BAD_INPUT' }));
          cases.push(graphqlCase(`${at} as 2^31`, put(2 ** 31), { code: 'BAD_INPUT' }));
          cases.push(graphqlCase(`${at} as 2^53+1`, putRaw('9007199254740993'), { code: 'BAD_INPUT' }));
          cases.push(graphqlCase(`${at} as 1e309`, putRaw('1e309'), { code: 'BAD_INPUT' }));
          cases.push(graphqlCase(`${at} as 1.5`, put(1.5), { code: 'BAD_INPUT' }));
        } else if (leaf.typeName === 'Boolean') {
          cases.push(graphqlCase(`${at} as a word`, put('maybe'), { code: 'BAD_INPUT' }));
        } else if (isEnumType(leaf.type)) {
          cases.push(graphqlCase(`${at} outside its enum`, put('NO_SUCH_VALUE'), { code: 'BAD_INPUT' }));
        }
      }
      // The argument itself: missing when required, a list, a key holding NUL.
      if (isNonNullType(arg.type)) {
        cases.push(
          graphqlCase(`${field.name}: $${arg.name} missing`, { query, variables: {} }, { code: 'BAD_INPUT' }),
        );
      }
      const object = base[arg.name];
      if (typeof object === 'object' && object !== null && !Array.isArray(object)) {
        cases.push(
          graphqlCase(
            `${field.name}: $${arg.name} with a key holding NUL`,
            { query, variables: { ...base, [arg.name]: { ...object, 'k\u0000': 'v' } } },
            { code: 'BAD_INPUT' },
          ),
        );
      }
    }
  }
  return cases;
}

/** Each string argument of each Query field (and of Swarm's fields, through `swarm`) holding NUL. */
function graphqlQueryCases(): Case[] {
  const schema = graphqlSchema();
  const cases: Case[] = [];
  for (const field of Object.values(schema.getQueryType()!.getFields()) as GraphQLField<unknown, unknown>[]) {
    for (const arg of field.args) {
      for (const leaf of graphqlLeaves(arg.type)) {
        if (!['String', 'ID'].includes(leaf.typeName)) continue;
        const { definitions, call, args } = argumentsOf(field);
        const base = Object.fromEntries(
          args.map((other) => [other.name, fillGraphqlInput(other.type, other.name, fill)]),
        );
        const named = field.type.toString().replace(/[[\]!]/g, '');
        const selection =
          schema.getType(named) && 'getFields' in schema.getType(named)! ? '{ __typename }' : '';
        cases.push(
          graphqlCase(
            `${field.name}: $${[arg.name, ...leaf.path].join('.')} holding NUL`,
            {
              query: `query ${definitions} { ${field.name}${call} ${selection} }`,
              variables: {
                ...base,
                [arg.name]: graphqlWithLeaf(arg.type, leaf.path, 'a\u0000b', fill, arg.name),
              },
            },
            { code: 'BAD_INPUT', field: `$${restField(arg.name, leaf.path)}` },
          ),
        );
      }
    }
  }
  return cases;
}

function graphqlMalformedCases(): Case[] {
  const label = 'mutation ($input: UpdateNodeLabelsInput!) { updateNodeLabels(input: $input) { id } }';
  const labels = (input: Record<string, unknown>) => ({
    query: label,
    variables: { input: { swarm: 'no-such-swarm', node: 'no-such-node', ...input } },
  });
  const cases: Case[] = [
    graphqlCase('truncated JSON', '{"query": "{ me { sub } }"'),
    graphqlCase('empty body', ''),
    graphqlCase('array body (batch)', [{ query: '{ me { sub } }' }]),
    graphqlCase('query as a number', { query: 42 }),
    graphqlCase('query missing', { variables: {} }),
    graphqlCase('query empty', { query: '' }),
    graphqlCase('variables as a string', { query: '{ me { sub } }', variables: '{}' }),
    graphqlCase('variables as an array', { query: '{ me { sub } }', variables: [] }),
    graphqlCase('operationName as a number', { query: '{ me { sub } }', operationName: 1 }),
    graphqlCase('unknown operationName', { query: 'query A { me { sub } }', operationName: 'B' }),
    graphqlCase('syntax error', { query: '{ me { sub }' }),
    graphqlCase('unknown field', { query: '{ noSuchField }' }),
    graphqlCase('raw NUL in the document', { query: '{ me\u0000 { sub } }' }),
    graphqlCase('raw NUL in a literal', { query: '{ swarm(id: "a\u0000") { id } }' }, { code: 'BAD_INPUT' }),
    graphqlCase('escaped lone surrogate in a literal', { query: '{ swarm(id: "a\\ud800") { id } }' }),
    graphqlCase('block string holding an escaped NUL', { query: '{ swarm(id: """a\\u0000""") { id } }' }),
    graphqlCase('document nested 10,000 levels', { query: `${'{ me '.repeat(10_000)}${'}'.repeat(10_000)}` }),
    graphqlCase(
      'variables nested 10,000 levels',
      `{"query":"query ($a: String) { swarm(id: $a) { id } }","variables":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`,
    ),
    graphqlCase('variables of 2 MB', {
      query: '{ me { sub } }',
      variables: { big: 'x'.repeat(2 * 1024 * 1024) },
    }),
    graphqlCase(
      '__proto__ in variables',
      '{"query":"{ me { sub } }","variables":{"__proto__":{"admin":true}}}',
    ),
    graphqlCase(
      'text/plain body',
      { query: '{ me { sub } }' },
      { headers: { 'content-type': 'text/plain' } },
    ),
    graphqlCase('form body', 'query=%7B%20me%20%7B%20sub%20%7D%20%7D', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
    graphqlCase(
      'updateNodeLabels with a 1 MB label value',
      labels({ add: [{ key: 'k', value: 'v'.repeat(1_000_000) }] }),
    ),
    graphqlCase(
      'updateNodeLabels with a 100 KB reason',
      labels({ add: [{ key: 'k', value: 'v' }], reason: 'r'.repeat(100_000) }),
    ),
    graphqlCase('registerSwarm with a 1 MB name', {
      query: 'mutation ($input: RegisterSwarmInput!) { registerSwarm(input: $input) { swarm { id } } }',
      variables: { input: { name: 'n'.repeat(1_000_000), endpoints: [{ url: 'not-a-url' }] } },
    }),
    graphqlCase('scaleService with replicas -1 (literal)', {
      query:
        'mutation { scaleService(input: { swarm: "no-such-swarm", service: "s", replicas: -1 }) { id } }',
    }),
    graphqlCase('scaleService with replicas 1e309 (literal)', {
      query:
        'mutation { scaleService(input: { swarm: "no-such-swarm", service: "s", replicas: 1e309 }) { id } }',
    }),
    graphqlCase('scaleService with replicas 2^53+1 (literal)', {
      query:
        'mutation { scaleService(input: { swarm: "no-such-swarm", service: "s", replicas: 9007199254740993 }) { id } }',
    }),
    {
      name: 'graphql GET with variables that are not JSON',
      door: 'graphql',
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('query ($id: String!) { swarm(id: $id) { id } }')}&variables=%7B`,
    },
    {
      name: 'graphql GET with a NUL in variables',
      door: 'graphql',
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('query ($id: String!) { swarm(id: $id) { id } }')}&variables=${encodeURIComponent('{"id":"a\\u0000"}')}`,
      code: 'BAD_INPUT',
      field: '$id',
    },
    {
      name: 'graphql GET of a mutation',
      door: 'graphql',
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('mutation { cancelJob(input: { job: "x" }) { id } }')}`,
    },
  ];
  // Unicode lookalikes of a swarm that exists (alpha): never it.
  for (const [name, ref] of LOOKALIKES) {
    cases.push(
      graphqlCase(`swarm(id) as ${name}`, {
        query: 'query ($id: String!) { swarm(id: $id) { id } }',
        variables: { id: ref },
      }),
    );
  }
  return cases;
}

/** Names that look like alpha (red's swarm) and are not it. */
const LOOKALIKES: [string, string][] = [
  ['RTL override', '\u202ealpha'],
  ['RTL override inside', 'al\u202epha'],
  ['zero-width space', 'al\u200bpha'],
  ['zero-width joiner', 'alpha\u200d'],
  ['BOM', '\ufeffalpha'],
  ['Cyrillic a', '\u0430lpha'],
  ['Greek alpha', '\u03b1lpha'],
  ['fullwidth', '\uff41\uff4c\uff50\uff48\uff41'],
  ['NFD combining mark', 'alpha\u0301'],
  ['trailing space', 'alpha '],
  ['upper case', 'ALPHA'],
  ['NBSP', 'alpha\u00a0'],
  ['replacement character', 'alpha\ufffd'],
  ['emoji', 'alpha🐳'],
];

function restMiscCases(red: string): Case[] {
  const swarmGet = (ref: string) => `/v1/swarms/${encodeURIComponent(ref)}`;
  const labels = '/v1/swarms/no-such-swarm/nodes/no-such-node/labels';
  const cases: Case[] = LOOKALIKES.map(([name, ref]) => ({
    name: `GET swarm as ${name}`,
    door: 'rest' as const,
    method: 'GET' as const,
    url: swarmGet(ref),
  }));
  const overlong = Buffer.concat([
    Buffer.from('{"name":"a'),
    Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf]),
    Buffer.from('","endpoints":[{"url":"not-a-url"}]}'),
  ]);
  const invalidUtf8 = Buffer.concat([
    Buffer.from('{"name":"'),
    Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]),
    Buffer.from('","endpoints":[]}'),
  ]);
  cases.push(
    {
      name: 'register with overlong UTF-8 in the name',
      door: 'rest',
      method: 'POST',
      url: '/v1/swarms',
      payload: overlong,
      headers: JSON_TYPE,
    },
    {
      name: 'register with invalid UTF-8 (an encoded surrogate) in the name',
      door: 'rest',
      method: 'POST',
      url: '/v1/swarms',
      payload: invalidUtf8,
      headers: JSON_TYPE,
    },
    {
      name: 'register with a 1 MB name',
      door: 'rest',
      method: 'POST',
      url: '/v1/swarms',
      payload: JSON.stringify({ name: 'n'.repeat(1_000_000), endpoints: [{ url: 'not-a-url' }] }),
      headers: JSON_TYPE,
    },
    {
      name: 'labels with a 100 KB reason',
      door: 'rest',
      method: 'PATCH',
      url: labels,
      payload: JSON.stringify({ add: [{ key: 'k', value: 'v' }], reason: 'r'.repeat(100_000) }),
      headers: JSON_TYPE,
    },
    {
      name: 'labels with a 1 MB label key',
      door: 'rest',
      method: 'PATCH',
      url: labels,
      payload: JSON.stringify({ add: [{ key: 'k'.repeat(1_000_000), value: 'v' }] }),
      headers: JSON_TYPE,
    },
    {
      name: 'labels with duplicate keys in the body',
      door: 'rest',
      method: 'PATCH',
      url: labels,
      payload: '{"add":[{"key":"k","value":"v"}],"add":{"key":"k"}}',
      headers: JSON_TYPE,
    },
    {
      name: 'labels with a charset the parser refuses',
      door: 'rest',
      method: 'PATCH',
      url: labels,
      payload: '{"add":[]}',
      headers: { 'content-type': 'application/json; charset=utf-16' },
    },
    {
      name: 'a path over the parameter length',
      door: 'rest',
      method: 'GET',
      url: `/v1/swarms/${'a'.repeat(5000)}`,
    },
    {
      name: 'a method the route does not have',
      door: 'rest',
      method: 'PUT',
      url: '/v1/swarms/no-such-swarm',
      payload: '{}',
      headers: JSON_TYPE,
    },
    { name: 'a route that does not exist', door: 'rest', method: 'GET', url: '/v1/../../etc/passwd' },
    {
      name: 'a route that does not exist, encoded',
      door: 'rest',
      method: 'GET',
      url: '/v1/%2e%2e/%2e%2e/etc/passwd',
    },
  );
  // Tokens: none, malformed, unsigned, of another secret, expired, a claim holding NUL for a tenant.
  const now = Math.floor(Date.now() / 1000);
  const tokens: [string, string][] = [
    ['no token', ''],
    ['not a bearer', 'Basic YTpi'],
    ['empty bearer', 'Bearer '],
    ['garbage bearer', 'Bearer a.b.c'],
    ['alg none', `Bearer ${signToken(claimsFor({ tenant: red, roles: ['admin'] }), { alg: 'none' })}`],
    [
      'other secret',
      `Bearer ${signToken(claimsFor({ tenant: red, roles: ['admin'] }), { key: 'another-secret-long-enough-0123456789' })}`,
    ],
    ['expired', `Bearer ${signToken(claimsFor({ tenant: red, roles: ['admin'], exp: now - 60 }))}`],
    ['tenant holding NUL', `Bearer ${signToken(claimsFor({ tenant: `${red}\u0000`, roles: ['admin'] }))}`],
    ['tenant with traversal', `Bearer ${signToken(claimsFor({ tenant: '../platform', roles: ['admin'] }))}`],
  ];
  for (const [name, authorization] of tokens) {
    for (const [method, url] of [
      ['GET', '/v1/swarms'],
      ['PATCH', labels],
    ] as const) {
      cases.push({
        name: `${method} ${url} with ${name}`,
        door: 'rest',
        method,
        url,
        anonymous: true,
        headers: { ...(authorization ? { authorization } : {}), ...(method === 'PATCH' ? JSON_TYPE : {}) },
        ...(method === 'PATCH' ? { payload: '{"add":[{"key":"k","value":"v"}]}' } : {}),
        code: 'UNAUTHENTICATED',
      });
    }
    cases.push({
      ...graphqlCase(`with ${name}`, { query: '{ swarms { id } }' }),
      anonymous: true,
      headers: { ...JSON_TYPE, ...(authorization ? { authorization } : {}) },
      code: 'UNAUTHENTICATED',
    });
  }
  return cases;
}

// ---------------------------------------------------------------- the run

let lab: RedBlue;
let db: pg.Client;
before(async () => {
  lab = await setupRedBlue();
  db = new pg.Client({ connectionString: lab.subject.db.url });
  await db.connect();
});
after(async () => {
  await db?.end();
  await lab?.subject.close();
});

interface Answer {
  code: string | null;
  codes: string[];
  message: string;
  field: string | null;
}

/** The refusal's code(s) and message, from a problem document or a GraphQL answer. */
function answerOf(kase: Case, status: number, body: string): Answer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    assert.fail(`${kase.name}: the answer is not JSON (${status}): ${body.slice(0, 200)}`);
  }
  const object = parsed as {
    code?: string;
    detail?: string;
    details?: { field?: string };
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (kase.door === 'graphql' && object.errors) {
    // Nothing may have been answered with data: every root field is null.
    const data = object.data ?? null;
    if (data !== null) {
      for (const [name, value] of Object.entries(data))
        assert.equal(value, null, `${kase.name}: ${name} answered data: ${body.slice(0, 300)}`);
    }
    const codes = object.errors.map((error) => error.extensions?.code ?? 'NONE');
    return { code: codes[0] ?? null, codes, message: object.errors[0]?.message ?? '', field: null };
  }
  return {
    code: object.code ?? null,
    codes: object.code ? [object.code] : [],
    message: object.detail ?? '',
    field: object.details?.field ?? null,
  };
}

test('every bad input is refused with a 4xx and a code of the brief, and nothing but refusals is written', async () => {
  const token = lab.tokens.redAdmin;
  const openapi = (await lab.app.inject({ method: 'GET', url: '/openapi.json' })).json<unknown>();
  const operations = openApiOperations(openapi);
  assert.ok(operations.length >= 20, `the OpenAPI document lists ${operations.length} /v1 operations`);

  const cases: Case[] = [];
  for (const operation of operations) {
    const url = urlOf(operation, NOWHERE);
    if (operation.body) {
      cases.push(...restBodyCorruptions(operation, url));
      cases.push(...restBodyLeafCases(operation, url));
    }
    cases.push(...restPathCases(operation));
    cases.push(...restQueryCases(operation));
  }
  cases.push(...restMiscCases('red'));
  const restCount = cases.length;
  cases.push(...graphqlMutationCases(), ...graphqlQueryCases(), ...graphqlMalformedCases());
  const graphqlCount = cases.length - restCount;
  assert.ok(restCount >= 200, `${restCount} REST cases`);
  assert.ok(graphqlCount >= 200, `${graphqlCount} GraphQL cases`);

  const countsBefore = await counts();
  const lastSeq = await maxAuditSeq();

  const failures: string[] = [];
  for (const kase of cases) {
    const response = await lab.app.inject({
      method: kase.method,
      url: kase.url,
      headers: { ...(kase.anonymous ? {} : bearer(token)), ...(kase.headers ?? {}) },
      ...(kase.payload === undefined ? {} : { payload: kase.payload }),
    });
    try {
      const answer = answerOf(kase, response.statusCode, response.body);
      if (kase.door === 'rest' || answer.codes.every((code) => code !== 'NOT_FOUND')) {
        assert.ok(
          response.statusCode >= 400 && response.statusCode < 500,
          `${kase.name}: status ${response.statusCode}: ${response.body.slice(0, 300)}`,
        );
      } else {
        // GraphQL answers a resolver's NOT_FOUND with 200, its data null (checked above).
        assert.ok([200, 404].includes(response.statusCode), `${kase.name}: status ${response.statusCode}`);
      }
      assert.ok(answer.codes.length > 0, `${kase.name}: no code: ${response.body.slice(0, 300)}`);
      for (const code of answer.codes)
        assert.ok(REFUSAL_CODES.has(code), `${kase.name}: code ${code}: ${response.body.slice(0, 300)}`);
      if (kase.code) assert.equal(answer.code, kase.code, `${kase.name}: ${response.body.slice(0, 300)}`);
      if (kase.field) {
        if (kase.door === 'rest')
          assert.equal(answer.field, kase.field, `${kase.name}: ${response.body.slice(0, 300)}`);
        else
          assert.ok(
            answer.message.startsWith(`${kase.field} holds`),
            `${kase.name}: ${answer.message.slice(0, 300)}`,
          );
      }
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`,
  );

  // Nothing new but refusals: no job, no swarm; audit events only requested + refused pairs.
  assert.deepEqual(await counts(), { ...countsBefore, audit: (await counts()).audit });
  const events = await db.query<{ operation_id: string; phase: string }>(
    'SELECT operation_id, phase FROM audit_events WHERE seq > $1 ORDER BY seq',
    [lastSeq],
  );
  const phases = new Map<string, string[]>();
  for (const event of events.rows)
    phases.set(event.operation_id, [...(phases.get(event.operation_id) ?? []), event.phase]);
  for (const [operation, list] of phases) {
    assert.deepEqual(
      list,
      ['requested', 'refused'],
      `operation ${operation} was audited as ${list.join(', ')}`,
    );
  }
  // The gateway still answers.
  const health = await lab.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200, health.body);
  const me = await lab.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
  assert.equal(me.statusCode, 200, me.body);
  console.log(
    `${cases.length} bad inputs (${restCount} REST, ${graphqlCount} GraphQL) refused; ${phases.size} refusals audited`,
  );
});

async function counts(): Promise<{ audit: number; jobs: number; swarms: number }> {
  const result = await db.query<{ audit: string; jobs: string; swarms: string }>(
    `SELECT (SELECT count(*) FROM audit_events) AS audit, (SELECT count(*) FROM jobs) AS jobs,
            (SELECT count(*) FROM swarms) AS swarms`,
  );
  const row = result.rows[0]!;
  return { audit: Number(row.audit), jobs: Number(row.jobs), swarms: Number(row.swarms) };
}

async function maxAuditSeq(): Promise<string> {
  const result = await db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM audit_events');
  return result.rows[0]?.seq ?? '0';
}
