// GraphQL bounds read from a document's text (src/graphql/limits.ts), without a gateway; the limits at the doors of
// a real gateway are in test/lab/graphql/limits.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectionDepthOf } from '../../../src/graphql/limits.ts';
import { DEPTH_BOMB } from '../../helpers/graphql-documents.ts';

test('the depth read from the text before parsing counts selection sets only', () => {
  assert.equal(selectionDepthOf(DEPTH_BOMB), 16, 'the same depth the rule finds');
  assert.equal(selectionDepthOf('{ a { b } c { d { e } } }'), 3);
  // Input objects in arguments and variable defaults, braces in strings, block strings and comments do not count.
  const inputs = `query ($v: In = { a: { b: { c: 1 } } }) { m(x: { a: { b: { c: { d: { e: 1 } } } } }) { id } }`;
  assert.equal(selectionDepthOf(inputs), 2);
  assert.equal(selectionDepthOf('{ a(s: "{{{{{{", t: """ {{{ \\""" {{{ """) { b } } # {{{{{{'), 2);
  // A fragment's selections count from its own braces: never more than where it is spread.
  assert.equal(selectionDepthOf('{ a { ...F } } fragment F on T { b { c } }'), 2);
});
