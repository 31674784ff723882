import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ecKeyPair, rsaKeyPair } from '../helpers/keys.ts';

const SECRET = 'a-development-secret-of-32-characters!';
const SECRET_KEY = 'ab'.repeat(32);
const rsa = rsaKeyPair();
const ec = ecKeyPair();

/** Asserts loadConfig refuses `env` with a ConfigError whose message matches every pattern. */
function refuses(env: Record<string, string>, ...patterns: RegExp[]): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('JWT and secret key configuration', () => {
  test('production without JWT key material or SWARMGATE_SECRET_KEY refuses to start, naming the variables', () => {
    refuses(
      { NODE_ENV: 'production' },
      /SWARMGATE_JWT_PUBLIC_KEY/,
      /SWARMGATE_JWT_JWKS_URL/,
      /SWARMGATE_JWT_SECRET/,
      /SWARMGATE_SECRET_KEY/,
    );
    refuses({ NODE_ENV: 'production', SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem }, /SWARMGATE_SECRET_KEY/);
    refuses({ NODE_ENV: 'production', SWARMGATE_SECRET_KEY: SECRET_KEY }, /SWARMGATE_JWT_PUBLIC_KEY/);
  });

  test('production with a public key and a secret key starts', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem,
      SWARMGATE_SECRET_KEY: SECRET_KEY,
    });
    assert.equal(config.jwt.algorithm, 'RS256');
    assert.equal(config.secretKey, SECRET_KEY);
  });

  test('production refuses a JWKS fetched over plain http', () => {
    refuses(
      {
        NODE_ENV: 'production',
        SWARMGATE_JWT_JWKS_URL: 'http://idp.local/jwks',
        SWARMGATE_SECRET_KEY: SECRET_KEY,
      },
      /SWARMGATE_JWT_JWKS_URL: must be https/,
    );
  });

  test('outside production no key is needed (the gateway starts and refuses every token)', () => {
    const config = loadConfig({});
    assert.equal(config.jwt.algorithm, undefined);
    assert.equal(config.secretKey, undefined);
  });

  test('more than one key source is refused', () => {
    refuses(
      { SWARMGATE_JWT_SECRET: SECRET, SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem },
      /SWARMGATE_JWT_SECRET, SWARMGATE_JWT_PUBLIC_KEY: set exactly one/,
    );
    refuses(
      { SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem, SWARMGATE_JWT_JWKS_URL: 'https://idp.example/jwks.json' },
      /set exactly one/,
    );
  });

  test('the algorithm is pinned from the key material', () => {
    assert.equal(loadConfig({ SWARMGATE_JWT_SECRET: SECRET }).jwt.algorithm, 'HS256');
    assert.equal(loadConfig({ SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem }).jwt.algorithm, 'RS256');
    assert.equal(loadConfig({ SWARMGATE_JWT_PUBLIC_KEY: ec.publicPem }).jwt.algorithm, 'ES256');
    assert.equal(
      loadConfig({ SWARMGATE_JWT_JWKS_URL: 'https://idp.example/jwks.json' }).jwt.algorithm,
      'RS256',
    );
    const es = { SWARMGATE_JWT_JWKS_URL: 'https://idp.example/jwks.json', SWARMGATE_JWT_ALGORITHM: 'ES256' };
    assert.equal(loadConfig(es).jwt.algorithm, 'ES256');
  });

  test('an algorithm that contradicts the key source is refused', () => {
    refuses(
      { SWARMGATE_JWT_SECRET: SECRET, SWARMGATE_JWT_ALGORITHM: 'RS256' },
      /SWARMGATE_JWT_ALGORITHM: RS256/,
    );
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: rsa.publicPem, SWARMGATE_JWT_ALGORITHM: 'HS256' }, /HS256/);
    refuses({ SWARMGATE_JWT_JWKS_URL: 'https://idp.example/k', SWARMGATE_JWT_ALGORITHM: 'HS256' }, /HS256/);
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: ec.publicPem, SWARMGATE_JWT_ALGORITHM: 'RS256' }, /does not match/);
  });

  test('a private key, a non-PEM value, a weak RSA key or an unsupported key type is refused', () => {
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: privatePem }, /SWARMGATE_JWT_PUBLIC_KEY: holds a private key/);
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: 'not a key' }, /SWARMGATE_JWT_PUBLIC_KEY: is not a PEM public key/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const weakPem = weak.export({ type: 'spki', format: 'pem' }).toString();
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: weakPem }, /shorter than 2048 bits/);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    refuses({ SWARMGATE_JWT_PUBLIC_KEY: ed }, /is an ed25519 key/);
  });

  test('a PEM given on one line with literal \\n separators is accepted and normalised', () => {
    const oneLine = rsa.publicPem.replaceAll('\n', '\\n');
    assert.equal(loadConfig({ SWARMGATE_JWT_PUBLIC_KEY: oneLine }).jwt.publicKey, rsa.publicPem);
  });
});
