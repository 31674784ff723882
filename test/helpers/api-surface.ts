// What the security tests enumerate, read from the API's own descriptions rather than listed by hand: the GraphQL
// schema's fields and input types, and the OpenAPI document's routes, parameters and body schemas. Inputs are filled
// generically: required fields get a value from a `fill` function given the field's name and type.
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { loadSchemaSource } from '../../src/graphql/schema.ts';

export const graphqlSchema = (): GraphQLSchema => buildSchema(loadSchemaSource());

/** A scalar's value for a field of this name and type (String, ID, Int, Boolean, DateTime, an enum's values...). */
export type ScalarFill = (name: string, type: string, enumValues: readonly string[]) => unknown;

/** A value for a GraphQL input type: input objects get their required fields (no default) only. */
export function fillGraphqlInput(type: GraphQLInputType, name: string, fill: ScalarFill, depth = 0): unknown {
  if (isNonNullType(type)) return fillGraphqlInput(type.ofType, name, fill, depth);
  if (isListType(type)) return [fillGraphqlInput(type.ofType, name, fill, depth + 1)];
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    if (depth > 6) return out;
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined)
        out[field.name] = fillGraphqlInput(field.type, field.name, fill, depth + 1);
    }
    return out;
  }
  const values = isEnumType(type) ? type.getValues().map((value) => value.name) : [];
  return fill(name, type.name, values);
}

/** Where a leaf (scalar or enum) input sits in an argument: the path of names and list indices, and its type. */
export interface InputLeaf {
  path: (string | number)[];
  type: GraphQLInputType;
  /** The leaf's own type name (String, Int, an enum...). */
  typeName: string;
  /** Whether the value is a list of the leaf type (the path then ends inside the list: index 0). */
  list: boolean;
}

/** Every leaf field of an input type, nested input objects and lists of them included (one item of each list). */
export function graphqlLeaves(
  type: GraphQLInputType,
  path: (string | number)[] = [],
  depth = 0,
): InputLeaf[] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const item = isNonNullType(inner.ofType) ? inner.ofType.ofType : inner.ofType;
    if (isLeafType(item)) return [{ path: [...path, 0], type: item, typeName: item.name, list: true }];
    return graphqlLeaves(inner.ofType, [...path, 0], depth + 1);
  }
  if (isInputObjectType(inner)) {
    if (depth > 6) return [];
    return Object.values(inner.getFields()).flatMap((field) =>
      graphqlLeaves(field.type, [...path, field.name], depth + 1),
    );
  }
  return [{ path, type: inner, typeName: getNamedType(inner).name, list: false }];
}

/** A field's arguments as variable definitions and the call's argument list: `($a: T!, $b: U)` and `(a: $a, b: $b)`. */
export function argumentsOf(field: GraphQLField<unknown, unknown>): {
  definitions: string;
  call: string;
  args: readonly GraphQLArgument[];
} {
  const args = field.args;
  if (args.length === 0) return { definitions: '', call: '', args };
  return {
    definitions: `(${args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ')})`,
    call: `(${args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})`,
    args,
  };
}

/** A selection of every leaf field of an output type, `depth` levels down (`{ __typename }` at the bottom). */
export function selectionOf(
  schema: GraphQLSchema,
  typeName: string,
  depth: number,
  argsFor: (field: GraphQLField<unknown, unknown>) => string | null = () => null,
): string {
  const type = schema.getType(typeName);
  if (!type || isLeafType(type)) return '';
  if (!('getFields' in type)) return '{ __typename }';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
    const args = argsFor(field);
    if (required.length > 0 && args === null) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(`${field.name}${args ?? ''}`);
    else if (depth > 0)
      parts.push(`${field.name}${args ?? ''} ${selectionOf(schema, named.name, depth - 1, argsFor)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

// ---------------------------------------------------------------- OpenAPI

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  [key: string]: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The OpenAPI path, `/v1/swarms/{swarm}`. */
  path: string;
  operationId: string;
  parameters: OpenApiParameter[];
  body: JsonSchema | null;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        parameters?: OpenApiParameter[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** Every operation of the document under `prefix`, each method of each path. */
export function openApiOperations(document: unknown, prefix = '/v1'): OpenApiOperation[] {
  const operations: OpenApiOperation[] = [];
  for (const [path, methods] of Object.entries((document as OpenApiDocument).paths)) {
    if (!path.startsWith(prefix)) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(upper)) continue;
      operations.push({
        method: upper as OpenApiOperation['method'],
        path,
        operationId: operation.operationId ?? `${upper} ${path}`,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return operations;
}

/** The URL of an operation with its path parameters filled (percent-encoded unless `raw`). */
export function urlOf(
  operation: OpenApiOperation,
  values: Record<string, string>,
  options: { raw?: readonly string[]; query?: string } = {},
): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name] ?? 'x';
    return options.raw?.includes(name) ? value : encodeURIComponent(value);
  });
  return options.query ? `${path}?${options.query}` : path;
}

const typeOf = (schema: JsonSchema): string =>
  Array.isArray(schema.type)
    ? (schema.type.find((type) => type !== 'null') ?? 'null')
    : (schema.type ?? 'object');

/** A value for a JSON schema: objects get their required properties only. */
export function fillJson(schema: JsonSchema, name: string, fill: ScalarFill, depth = 0): unknown {
  const type = typeOf(schema);
  if (type === 'object') {
    const out: Record<string, unknown> = {};
    if (depth > 6) return out;
    for (const required of schema.required ?? []) {
      const property = schema.properties?.[required];
      if (property) out[required] = fillJson(property, required, fill, depth + 1);
    }
    return out;
  }
  if (type === 'array') return schema.items ? [fillJson(schema.items, name, fill, depth + 1)] : [];
  const values = (schema.enum ?? []).filter((value): value is string => typeof value === 'string');
  return fill(name, type, values);
}

export interface JsonLeaf {
  path: (string | number)[];
  /** string, integer, number, boolean, array or object (an object without properties). */
  type: string;
  enumValues: readonly string[];
}

/** Every leaf property of a JSON schema (nested objects and one item of each array of objects included). */
export function jsonLeaves(schema: JsonSchema, path: (string | number)[] = [], depth = 0): JsonLeaf[] {
  const type = typeOf(schema);
  if (type === 'object' && schema.properties && depth <= 6) {
    return Object.entries(schema.properties).flatMap(([name, property]) =>
      jsonLeaves(property, [...path, name], depth + 1),
    );
  }
  if (type === 'array' && schema.items && typeOf(schema.items) === 'object' && schema.items.properties) {
    return [{ path, type: 'array', enumValues: [] }, ...jsonLeaves(schema.items, [...path, 0], depth + 1)];
  }
  const enumValues = (schema.enum ?? []).filter((value): value is string => typeof value === 'string');
  return [{ path, type, enumValues }];
}

/**
 * A value of a GraphQL input type holding `value` at `path`, every input object on the way filled with its required
 * fields (so that only the leaf is wrong).
 */
export function graphqlWithLeaf(
  type: GraphQLInputType,
  path: readonly (string | number)[],
  value: unknown,
  fill: ScalarFill,
  name = '',
): unknown {
  if (path.length === 0) return value;
  const inner = isNonNullType(type) ? type.ofType : type;
  const [step, ...rest] = path;
  if (isListType(inner)) return [graphqlWithLeaf(inner.ofType, rest, value, fill, name)];
  if (isInputObjectType(inner) && typeof step === 'string') {
    const object = fillGraphqlInput(inner, name, fill) as Record<string, unknown>;
    const field = inner.getFields()[step];
    if (field) object[step] = graphqlWithLeaf(field.type, rest, value, fill, field.name);
    return object;
  }
  return value;
}

/** The same for a JSON schema: every object on the way gets its required properties. */
export function jsonWithLeaf(
  schema: JsonSchema,
  path: readonly (string | number)[],
  value: unknown,
  fill: ScalarFill,
  name = 'body',
): unknown {
  if (path.length === 0) return value;
  const [step, ...rest] = path;
  const type = typeOf(schema);
  if (type === 'array' && schema.items) return [jsonWithLeaf(schema.items, rest, value, fill, name)];
  if (type === 'object' && typeof step === 'string') {
    const object = fillJson(schema, name, fill) as Record<string, unknown>;
    const property = schema.properties?.[step];
    object[step] = property ? jsonWithLeaf(property, rest, value, fill, step) : value;
    return object;
  }
  return value;
}
