// GraphQL refusals of a variable never repeat the value they got (it may be a secret sent with a wrong type), while
// still naming the variable, the field's path and the reason. The messages are graphql-js's own, from a real
// execution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, graphql } from 'graphql';
import { withoutVariableValue } from '../../../src/graphql/errors.ts';

const SECRET = 'sg-test-secret-variable';
const schema = buildSchema(`
  input SecretInput { name: String!, value: String!, size: Int }
  type Query { ok: Boolean }
  type Mutation { createSecret(input: SecretInput!): Boolean }
`);
const MUTATION = 'mutation ($input: SecretInput!) { createSecret(input: $input) }';

async function refusalsOf(input: unknown): Promise<string[]> {
  const answer = await graphql({ schema, source: MUTATION, variableValues: { input } });
  assert.ok(answer.errors?.length, 'graphql-js refuses the variable');
  return answer.errors.map((error) => error.message);
}

test('a secret sent with a wrong type is not repeated; the variable, path and reason are', async () => {
  const cases: [unknown, RegExp][] = [
    [
      { name: 'a', value: { nested: SECRET } },
      /at "input\.value"; String cannot represent a non string value\.$/,
    ],
    [{ name: 'a', value: [SECRET] }, /at "input\.value"; String cannot represent a non string value\.$/],
    [{ name: SECRET, value: 'x', size: `${SECRET}; at "input.size"; ` }, /at "input\.size"; Int cannot/],
    [{ name: 'a', value: 'b', unknown: SECRET }, /Field "unknown" is not defined by type "SecretInput"/],
    [SECRET, /^Variable "\$input" got an invalid value; Expected type "SecretInput" to be an object\.$/],
  ];
  for (const [input, expected] of cases) {
    for (const raw of await refusalsOf(input)) {
      assert.ok(raw.includes(SECRET), `graphql-js quotes the value: ${raw}`);
      const message = withoutVariableValue(raw);
      assert.ok(!message.includes(SECRET), message);
      assert.match(message, /^Variable "\$input" got an invalid value/);
      assert.match(message, expected);
    }
  }
});

test('other messages are left as they are', () => {
  const message = 'Cannot query field "nope" on type "Query".';
  assert.equal(withoutVariableValue(message), message);
});
