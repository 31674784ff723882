// Control characters in GraphQL requests: string literals of the document (a validation rule, wired into mercurius's
// validationRules by src/graphql/index.ts), variables (a preExecution hook) and a subscription's arguments (subscriptions
// are not validated by mercurius). Each is refused as BAD_INPUT naming the argument or variable, before any resolver
// runs, so before anything is audited. The document's own text may hold tabs and line breaks: only what its strings
// decode to is checked (a raw control character elsewhere is a syntax error already).
import { GraphQLError, Kind, type ASTNode, type ValidationRule } from 'graphql';
import type { GatewayError } from '../../errors.ts';
import {
  describeCharacter,
  findRefusedCharacter,
  refusedCharacterError,
  refusedCharacterOf,
} from '../../util/control-characters.ts';

type Ancestor = ASTNode | readonly ASTNode[];

/**
 * Where a string literal sits, as a client names it: `input.reason`, `input.add[0].value`, `ref`, or `$name` for a
 * variable's default value, from the chain of nodes (and node lists) down to the literal. The innermost argument
 * starts the path.
 */
function literalPath(chain: readonly Ancestor[]): string {
  let path = '';
  chain.forEach((at, index) => {
    if (isNodeList(at)) return;
    switch (at.kind) {
      case Kind.ARGUMENT:
        path = at.name.value;
        break;
      case Kind.VARIABLE_DEFINITION:
        path = `$${at.variable.name.value}`;
        break;
      case Kind.OBJECT_FIELD:
        path = path === '' ? at.name.value : `${path}.${at.name.value}`;
        break;
      case Kind.LIST: {
        // The list's `values` array comes next in the chain, then the item.
        const item = chain[index + 2];
        if (item !== undefined && !isNodeList(item)) path += `[${at.values.indexOf(item as never)}]`;
        break;
      }
      default:
        break;
    }
  });
  return path;
}

const isNodeList = (value: Ancestor): value is readonly ASTNode[] => Array.isArray(value);

/** Refuses a document whose string literals hold control characters (NUL above all), naming the argument. */
export const controlCharacterRule: ValidationRule = (context) => ({
  StringValue(node, _key, parent, _path, ancestors) {
    const character = refusedCharacterOf(node.value);
    if (character === null) return;
    // graphql-js gives the ancestors above the parent.
    const chain: Ancestor[] = parent === undefined ? [...ancestors, node] : [...ancestors, parent, node];
    const path = literalPath(chain) || 'a string of the document';
    context.reportError(
      new GraphQLError(
        `${path} holds ${describeCharacter(character)}: control characters (other than tab, line feed and carriage ` +
          'return) and unpaired surrogates are not accepted; remove it',
        { nodes: node },
      ),
    );
  },
});

/** BAD_INPUT naming the first variable (`$input.reason`) holding a refused character, or null. */
export function refusedCharacterInVariables(variables: unknown): GatewayError | null {
  if (variables === null || variables === undefined) return null;
  const found = findRefusedCharacter(variables, '');
  return found ? refusedCharacterError({ ...found, path: `$${found.path}` }) : null;
}

/** BAD_INPUT naming the first argument (`input.reason`) holding a refused character, or null. */
export function refusedCharacterInArguments(args: unknown): GatewayError | null {
  if (args === null || args === undefined) return null;
  const found = findRefusedCharacter(args, '');
  return found ? refusedCharacterError(found) : null;
}

/** A mercurius preExecution hook: variables holding refused characters stop the request before it runs. */
export function refuseControlCharactersInVariables(
  _schema: unknown,
  _document: unknown,
  _context: unknown,
  variables: unknown,
): Promise<void> {
  const refusal = refusedCharacterInVariables(variables);
  return refusal ? Promise.reject(refusal) : Promise.resolve();
}
