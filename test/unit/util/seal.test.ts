import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createSealer, SealError } from '../../../src/util/seal.ts';

const HEX_KEY = randomBytes(32).toString('hex');
const PLAIN = '-----BEGIN PRIVATE KEY-----\nengine client key ü\n-----END PRIVATE KEY-----\n';

const refusesWithoutPlaintext = (error: unknown) => {
  assert.ok(error instanceof SealError, `expected a SealError, got ${String(error)}`);
  assert.ok(!error.message.includes('engine client key'), 'the error reveals the plaintext');
  return true;
};

describe('sealing engine credentials', () => {
  test('a sealed value opens to the same text', () => {
    const sealer = createSealer(HEX_KEY);
    assert.equal(sealer.open(sealer.seal(PLAIN)), PLAIN);
    assert.equal(sealer.open(sealer.seal('')), '');
  });

  test('the same key given in base64 opens what the hex form sealed', () => {
    const sealed = createSealer(HEX_KEY).seal(PLAIN);
    const base64 = Buffer.from(HEX_KEY, 'hex').toString('base64');
    assert.equal(createSealer(base64).open(sealed), PLAIN);
  });

  test('the layout is version 1, a 12-byte IV, a 16-byte tag, then as many ciphertext bytes as plaintext', () => {
    const sealed = createSealer(HEX_KEY).seal(PLAIN);
    assert.equal(sealed[0], 1);
    assert.equal(sealed.length, 1 + 12 + 16 + Buffer.byteLength(PLAIN));
  });

  test('the sealed bytes do not contain the plaintext, and sealing twice differs (random IV)', () => {
    const sealer = createSealer(HEX_KEY);
    const first = sealer.seal(PLAIN);
    const second = sealer.seal(PLAIN);
    assert.equal(first.includes(Buffer.from('engine client key')), false);
    assert.equal(first.toString('latin1').includes('PRIVATE KEY'), false);
    assert.notDeepEqual(first, second);
  });

  test('a wrong key cannot open it', () => {
    const sealed = createSealer(HEX_KEY).seal(PLAIN);
    assert.throws(() => createSealer(randomBytes(32).toString('hex')).open(sealed), refusesWithoutPlaintext);
  });

  test('changing any single byte (version, IV, tag or ciphertext) makes it fail to open', () => {
    const sealer = createSealer(HEX_KEY);
    const sealed = sealer.seal(PLAIN);
    for (const index of [0, 1, 12, 13, 28, 29, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      assert.throws(() => sealer.open(tampered), refusesWithoutPlaintext, `byte ${index}`);
    }
  });

  test('a value sealed for one context does not open for another', () => {
    const sealer = createSealer(HEX_KEY);
    const sealed = sealer.seal(PLAIN, 'swarm-endpoint:1');
    assert.equal(sealer.open(sealed, 'swarm-endpoint:1'), PLAIN);
    assert.throws(() => sealer.open(sealed, 'swarm-endpoint:2'), refusesWithoutPlaintext);
    assert.throws(() => sealer.open(sealed), refusesWithoutPlaintext);
  });

  test('a truncated value is refused', () => {
    const sealed = createSealer(HEX_KEY).seal(PLAIN);
    assert.throws(() => createSealer(HEX_KEY).open(sealed.subarray(0, 20)), /truncated/);
  });

  test('a key that is not 32 bytes is refused without echoing it', () => {
    for (const key of ['abcd', 'zz'.repeat(32), Buffer.alloc(16)]) {
      assert.throws(
        () => createSealer(key),
        (error: unknown) =>
          error instanceof SealError && (typeof key !== 'string' || !error.message.includes(key)),
      );
    }
  });
});
