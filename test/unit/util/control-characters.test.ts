// Control characters (NUL above all) and lone surrogates: the rules as pure functions (src/util/control-characters.ts).
// The doors that apply them are in test/lab/util/, the cleaning of engine texts before they are stored in
// test/integration/util/control-characters.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cleanJson,
  cleanText,
  findRefusedCharacter,
  isCleanText,
} from '../../../src/util/control-characters.ts';
import { REFUSED } from '../../helpers/control-characters.ts';

describe('the character rules', () => {
  test('control characters but tab, LF and CR, DEL, C1 and lone surrogates are refused; the rest passes', () => {
    for (const [character] of REFUSED) {
      assert.equal(isCleanText(`a${character}b`), false, JSON.stringify(character));
      assert.equal(isCleanText(cleanText(`a${character}b`)), true);
      assert.equal(cleanText(`a${character}b`), 'a\ufffdb', 'replaced, never removed');
    }
    for (const text of [
      'tab\there',
      'lines\r\nand\nmore',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'emoji 🐳 (a surrogate pair)',
      'RTL \u202e override, zero\u200bwidth, NBSP\u00a0, é and e\u0301',
      '',
    ]) {
      assert.equal(isCleanText(text), true, JSON.stringify(text));
      assert.equal(cleanText(text), text);
    }
  });

  test('the path names the field, keys included, and the walk has no depth limit', () => {
    assert.deepEqual(findRefusedCharacter({ add: [{ key: 'k', value: 'v\u0000' }] }, 'body'), {
      path: 'body.add[0].value',
      character: '\u0000',
    });
    assert.deepEqual(findRefusedCharacter({ labels: { 'bad\u0007key': 'v' } }, 'body'), {
      path: 'body.labels.bad\\u0007key',
      character: '\u0007',
    });
    assert.equal(findRefusedCharacter({ a: ['x', 1, true, null, { b: 'ok\n' }] }, 'body'), null);
    let deep: unknown = 'end\u0000';
    for (let level = 0; level < 10_000; level += 1) deep = [deep];
    assert.equal(findRefusedCharacter(deep, 'body')?.path, `body${'[0]'.repeat(10_000)}`);
  });

  test('cleanJson cleans every string and key and leaves clean values as they are', () => {
    const clean = { a: ['x', { b: 1 }] };
    assert.equal(cleanJson(clean), clean);
    assert.deepEqual(cleanJson({ 'k\u0000': ['v\u001b[31m', { n: '\ud800' }], ok: 2 }), {
      'k\ufffd': ['v\ufffd[31m', { n: '\ufffd' }],
      ok: 2,
    });
  });
});
