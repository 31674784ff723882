// An update sent with a stale object version is answered by Docker with HTTP 500 "update out of sequence": the
// gateway's error keeps that mark (and nothing Docker sent), so that versioned updates re-read and retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOutOfSequence, toGatewayError } from '../../../src/docker/errors.ts';

/** The shape docker-modem rejects with for an Engine API error. */
const engineError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message}`), {
    statusCode,
    json: { message },
  });

test('an out-of-sequence answer becomes a CONFLICT still known as out of sequence', () => {
  const raw = engineError(500, 'rpc error: code = Unknown desc = update out of sequence');
  assert.equal(isOutOfSequence(raw), true);
  const mapped = toGatewayError(raw, 'alpha');
  assert.equal(mapped.code, 'CONFLICT');
  assert.equal(isOutOfSequence(mapped), true);
  assert.doesNotMatch(mapped.message, /rpc error/);
});

test('other 500s are not taken for out of sequence', () => {
  const mapped = toGatewayError(engineError(500, 'something else broke'), 'alpha');
  assert.equal(mapped.code, 'INTERNAL');
  assert.equal(isOutOfSequence(mapped), false);
});
