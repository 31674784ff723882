// Bounds on one GraphQL operation (issue 11): depth, aliases, directives and cost, refused before execution with
// QUERY_TOO_COMPLEX, plus the introspection switch. Depth, aliases and directives are graphql-armor's rules; cost is
// graphql-query-complexity's, with an estimator that knows this schema's lists (see `listSize`).
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isIntrospectionType,
  isListType,
  Kind,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { createComplexityRule, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../errors.ts';

export interface GraphqlLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** Directives in one operation (not configurable: no legitimate query comes near). */
export const MAX_DIRECTIVES = 50;
/**
 * Tokens in one document, enforced by graphql's parser (it stops reading past them, so a long document costs no more
 * than this many tokens). GraphiQL's introspection query is about 300, a large hand-written query a thousand or two;
 * 2,000 aliases of a one-field read are about 20,000.
 */
export const MAX_TOKENS = 5_000;
/** Fields the cost walk visits (fragments spread many times are walked each time); past this the query is refused. */
const MAX_COST_NODES = 20_000;
/**
 * What a list without `first` counts as: a node's or a service's tasks (tens on most swarms; a global service on a
 * large swarm has more, which the answer cap bounds). At 25, such a list inside a full page (100) with every field
 * selected ("the nodes with their tasks") stays under the default cost limit, while a list inside it again
 * (100 × 25 × 25 items) is over it.
 */
export const UNPAGED_LIST_SIZE = 25;
/** The lists that have no `first`, with what each counts as. */
const UNPAGED_LISTS: Record<string, number> = {
  'Node.tasks': UNPAGED_LIST_SIZE,
  'Service.tasks': UNPAGED_LIST_SIZE,
  'Query.swarms': 20,
  // A swarm's stacks and a stack's services (a few to tens on most swarms). At 10 each, every stack's services
  // with their tasks and every field selected stays under the default cost limit.
  'Swarm.stacks': 10,
  'Stack.services': 10,
};

const CODE = 'QUERY_TOO_COMPLEX';

/** A refusal as a validation error (reported by mercurius with the other validation errors, as a 400). */
export function tooComplex(message: string, nodes?: ASTNode | readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, { nodes, extensions: { code: CODE } });
}

export const depthMessage = (found: number | null, max: number) =>
  `query depth ${found ?? 'over the limit'} exceeds the limit of ${max} (SWARMGATE_GRAPHQL_MAX_DEPTH)`;
export const aliasesMessage = (found: number | null, max: number) =>
  `the query has ${found ?? 'too many'} aliases, over the limit of ${max} (SWARMGATE_GRAPHQL_MAX_ALIASES)`;
export const directivesMessage = (found: number | null) =>
  `the query has ${found ?? 'too many'} directives, over the limit of ${MAX_DIRECTIVES}`;
export const costMessage = (cost: number, max: number) =>
  `query cost ${cost} exceeds the limit of ${max} (SWARMGATE_GRAPHQL_MAX_COST): a page costs its \`first\` ` +
  `(default 100) times what is asked of each item, a list without \`first\` ${UNPAGED_LIST_SIZE} times, and ` +
  'nested lists multiply; ask for smaller pages';
export const documentMessage = (length: number, max: number) =>
  `the query document is ${length} characters, over the limit of ${max} (SWARMGATE_GRAPHQL_MAX_DOCUMENT_KB): ` +
  'send a shorter document (values belong in variables)';
export const tokensMessage = () =>
  `the query has more than ${MAX_TOKENS} tokens, over the limit of this gateway: send a shorter document`;
export const answerMessage = (bytes: number, max: number) =>
  `the answer would be ${bytes} bytes, over the limit of ${max} (SWARMGATE_GRAPHQL_MAX_ANSWER_MB): ` +
  'ask for fewer fields or smaller pages (first)';
export const INTROSPECTION_OFF =
  'introspection is disabled on this gateway (SWARMGATE_GRAPHQL_INTROSPECTION)';

/** graphql's own message when the parser stops at maxTokens (mercurius passes it on as a syntax error). */
export const isTokensError = (message: string) =>
  message.startsWith('Syntax Error: Document contains more tha') && message.includes('tokens');

/** The number graphql-armor found ("... exceeded, found 14."), to say it in our message. */
function foundIn(error: GraphQLError): number | null {
  const found = /found (\d+)/.exec(error.message)?.[1];
  return found === undefined ? null : Number(found);
}

/**
 * The cost of one field: a list costs its size times its items' cost; a paged field (`first`) costs its page size
 * times what it holds (the page's `items` list then counts once); anything else costs 1 plus its children.
 */
const listSize: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const first: unknown = args.first;
  if (typeof first === 'number') return Math.max(1, first) * (1 + childComplexity);
  const unpaged = UNPAGED_LISTS[`${type.name}.${field.name}`];
  if (unpaged !== undefined && isListType(getNullableType(field.type)))
    return unpaged * (1 + childComplexity);
  return 1 + childComplexity;
};
const ESTIMATORS = [listSize];

/** Documents whose cost depends on their variables: measured once the variables are known (costOfExecution). */
const costWithVariables = new WeakSet<DocumentNode>();

/**
 * Documents refused by a limit rule, by their text: the same document sent again is refused by a lookup, before it is
 * parsed (mercurius keeps the errors it finds in a document, but not an error a rule throws). The limits do not
 * depend on who asks, so neither does the refusal.
 */
export class RefusedDocuments {
  /** The depth limit, for the check before parsing (selectionDepthOf). */
  constructor(readonly maxDepth: number) {}

  private readonly refused = new LRUCache<string, string>({
    maxSize: 4 * 1024 * 1024,
    sizeCalculation: (_message, text) => text.length + 200,
  });

  /** The refusal of a document seen before, or undefined. */
  lookup(text: string): string | undefined {
    return this.refused.get(text);
  }

  /** Refuses the document being validated with `message`, and remembers the refusal. */
  refuse(context: ValidationContext, message: string, nodes?: ASTNode): never {
    const text = context.getDocument().loc?.source.body;
    if (text !== undefined && text.length <= 64 * 1024) this.refused.set(text, message);
    throw tooComplex(message, nodes);
  }
}

function costRule(maxCost: number, memo: RefusedDocuments): ValidationRule {
  // graphql-query-complexity's rule, whose visitor is driven here (to defer operations with variables).
  const measureOf = createComplexityRule({
    maximumComplexity: maxCost,
    estimators: ESTIMATORS,
    maxQueryNodes: MAX_COST_NODES,
    createError: (max, actual) => tooComplex(costMessage(actual, max)),
  });
  return (context: ValidationContext) => {
    const measure = measureOf(context);
    // The variables are not known while validating (mercurius keeps a document's validation for every request):
    // an operation with variables is measured before its execution instead, with them.
    const deferred = (operation: OperationDefinitionNode) => {
      if (!operation.variableDefinitions?.length) return false;
      costWithVariables.add(context.getDocument());
      return true;
    };
    return {
      OperationDefinition: {
        enter(operation) {
          if (deferred(operation)) return;
          try {
            measure.onOperationDefinitionEnter(operation);
          } catch {
            // The library throws past MAX_COST_NODES (a fragment spread over and over).
            memo.refuse(context, costMessage(MAX_COST_NODES, maxCost), operation);
          }
          // Measured on entering the operation: refused there, before the other rules walk it (as above).
          if (measure.complexity > maxCost)
            memo.refuse(context, costMessage(measure.complexity, maxCost), operation);
        },
      },
    };
  };
}

/** Refuses introspection fields (__schema, __type), naming the switch. `__typename` stays allowed. */
export const introspectionOffRule: ValidationRule = (context) => ({
  Field(node) {
    const type = getNamedType(context.getType());
    if (type && isIntrospectionType(type)) {
      context.reportError(
        new GraphQLError(INTROSPECTION_OFF, { nodes: node, extensions: { code: 'BAD_INPUT' } }),
      );
    }
  },
});

/** The validation rules bounding an operation (the cost of one with variables is measured by costOfExecution). */
export function limitRules(limits: GraphqlLimits, memo: RefusedDocuments): ValidationRule[] {
  // A refusal is thrown (graphql-armor's default, with our error): it stops the validation at the operation's first
  // node, so the other rules never walk a document built to be expensive. mercurius answers it as a 400.
  const refuse = (message: (found: number | null) => string) => [
    (context: ValidationContext | null, error: GraphQLError) => {
      if (context) memo.refuse(context, message(foundIn(error)));
      throw tooComplex(message(foundIn(error)));
    },
  ];
  return [
    maxDepthRule({
      n: limits.maxDepth,
      ignoreIntrospection: false,
      propagateOnRejection: false,
      onReject: refuse((found) => depthMessage(found, limits.maxDepth)),
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      allowList: [],
      propagateOnRejection: false,
      onReject: refuse((found) => aliasesMessage(found, limits.maxAliases)),
    }),
    maxDirectivesRule({
      n: MAX_DIRECTIVES,
      propagateOnRejection: false,
      onReject: refuse(directivesMessage),
    }),
    costRule(limits.maxCost, memo),
  ];
}

/**
 * The refusal of an operation with variables whose cost, with them, is over the limit; null otherwise (and for every
 * document without variables: validated already). Called before execution.
 */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  maxCost: number,
): GatewayError | null {
  if (!costWithVariables.has(document)) return null;
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables,
      operationName: operationName ?? soleOperationName(document),
      estimators: ESTIMATORS,
      maxQueryNodes: MAX_COST_NODES,
    });
  } catch (error) {
    // Past MAX_COST_NODES; variables that do not fit were refused by mercurius before this point.
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message))
      return new GatewayError(CODE, costMessage(MAX_COST_NODES, maxCost));
    return null;
  }
  return cost > maxCost ? new GatewayError(CODE, costMessage(cost, maxCost)) : null;
}

function soleOperationName(document: DocumentNode): string | undefined {
  const operations = document.definitions.filter(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return operations.length === 1 ? operations[0]!.name?.value : undefined;
}

/**
 * The depth of a document's deepest selection set, read from its text without parsing it: the `{` that open selection
 * sets, outside strings, comments and parentheses (arguments and variable definitions, whose `{` open input objects).
 * For a document without fragments this is the depth graphql-armor's rule counts; a fragment's selections count
 * from its own braces, which is never more than their depth where the fragment is spread. So a document this finds
 * too deep is too deep, and refusing it here spares parsing and validating it (a flood of new depth bombs costs
 * each a scan instead of an AST and thirty validation rules). What it lets through, the rule checks as before.
 */
export function selectionDepthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let parens = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i += 1;
    } else if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        // A block string may hold \""" (an escaped triple quote).
        let close = end;
        while (close !== -1 && text.charCodeAt(close - 1) === 0x5c) close = text.indexOf('"""', close + 3);
        if (close === -1) return deepest;
        i = close + 2;
      } else {
        i += 1;
        while (i < text.length && text.charCodeAt(i) !== 0x22) {
          if (text.charCodeAt(i) === 0x5c) i += 1;
          else if (text.charCodeAt(i) === 0x0a) break;
          i += 1;
        }
      }
    } else if (c === 0x28 /* ( */) parens += 1;
    else if (c === 0x29 /* ) */) parens = Math.max(0, parens - 1);
    else if (parens === 0 && c === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (parens === 0 && c === 0x7d /* } */) depth = Math.max(0, depth - 1);
  }
  return deepest;
}
