// Role checks and claims to principal as pure functions (src/auth/); the same checks through a route are in
// test/integration/auth/authorize.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canSeeTenant, hasRole, requirePlatformAdmin, requireRole } from '../../../src/auth/authorize.ts';
import { principalFromClaims, type Principal, type Role } from '../../../src/auth/principal.ts';
import { GatewayError } from '../../../src/errors.ts';

const principal = (roles: Role[], tenant = 'acme'): Principal => ({
  sub: 'alice',
  tenant,
  roles,
  actors: [],
});

const isCode = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (message) assert.match(error.message, message);
  return true;
};

describe('role hierarchy', () => {
  test('viewer < operator < admin, and platform-admin holds every tenant role', () => {
    const table: [Role[], boolean, boolean, boolean][] = [
      [['viewer'], true, false, false],
      [['operator'], true, true, false],
      [['admin'], true, true, true],
      [['platform-admin'], true, true, true],
      [[], false, false, false],
    ];
    for (const [roles, viewer, operator, admin] of table) {
      const who = principal(roles);
      assert.deepEqual(
        [hasRole(who, 'viewer'), hasRole(who, 'operator'), hasRole(who, 'admin')],
        [viewer, operator, admin],
        `roles ${roles.join(',') || '(none)'}`,
      );
    }
  });

  test('requireRole throws FORBIDDEN naming the role and the accepted ones', () => {
    assert.throws(
      () => requireRole(principal(['operator']), 'admin', 'promote a node'),
      isCode('FORBIDDEN', /admin/),
    );
    assert.throws(
      () => requireRole(principal(['viewer']), 'operator'),
      isCode('FORBIDDEN', /operator or admin/),
    );
    assert.doesNotThrow(() => requireRole(principal(['platform-admin'], 'other'), 'admin'));
  });

  test('requirePlatformAdmin refuses a tenant admin', () => {
    assert.throws(() => requirePlatformAdmin(principal(['admin'])), isCode('FORBIDDEN', /platform-admin/));
    assert.doesNotThrow(() => requirePlatformAdmin(principal(['platform-admin'])));
  });

  test('a principal sees only its own tenant, a platform-admin sees every tenant', () => {
    assert.equal(canSeeTenant(principal(['admin']), 'acme'), true);
    assert.equal(canSeeTenant(principal(['admin']), 'globex'), false);
    assert.equal(canSeeTenant(principal(['platform-admin']), 'globex'), true);
  });
});

describe('claims to principal', () => {
  const base = { sub: 'alice', tenant: 'acme', roles: ['viewer'] };
  const platform = { tenant: 'platform', issuer: undefined };

  test('the act chain is flattened nearest actor first', () => {
    const parsed = principalFromClaims(
      { ...base, act: { sub: 'chatops-bot', act: { sub: 'scheduler' } } },
      platform,
    );
    assert.deepEqual(parsed.actors, ['chatops-bot', 'scheduler']);
    assert.deepEqual(principalFromClaims(base, platform).actors, []);
  });

  test('duplicate roles are kept once and no tokenId appears without jti', () => {
    const parsed = principalFromClaims({ ...base, roles: ['viewer', 'viewer', 'admin'] }, platform);
    assert.deepEqual(parsed.roles, ['viewer', 'admin']);
    assert.equal('tokenId' in parsed, false);
  });

  test('unusable identity claims are refused as UNAUTHENTICATED', () => {
    const refused: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [{ ...base, sub: undefined }, /"sub" is missing/],
      [{ ...base, sub: '   ' }, /"sub" must be a non-empty string/],
      [{ ...base, sub: 42 }, /"sub" must be a non-empty string/],
      [{ ...base, tenant: undefined }, /"tenant" is missing/],
      [{ ...base, tenant: 'Acme Corp' }, /not a tenant slug/],
      [{ ...base, roles: undefined }, /"roles" is missing/],
      [{ ...base, roles: 'viewer' }, /must be an array/],
      [{ ...base, roles: ['viewer', 7] }, /holds number/],
      [{ ...base, roles: ['superuser'] }, /"superuser"/],
      [{ ...base, act: ['chatops-bot'] }, /"act" must be an object/],
      [{ ...base, act: { sub: '' } }, /non-empty "sub"/],
      [{ ...base, act: { sub: 'bot', act: 'x' } }, /"act" must be an object/],
      [{ ...base, jti: 5 }, /"jti"/],
      [{ ...base, sub: 'alice\u0000' }, /"sub" holds a control character/],
      [{ ...base, sub: 'alice\u001b[31m' }, /"sub" holds a control character/],
      [{ ...base, act: { sub: 'bot\u0000' } }, /non-empty "sub"/],
    ];
    for (const [claims, message] of refused) {
      assert.throws(
        () => principalFromClaims(claims, platform),
        isCode('UNAUTHENTICATED', message),
        JSON.stringify(claims),
      );
    }
  });

  test('platform-admin is honoured only from the platform tenant, and from the platform issuer when one is set', () => {
    const roles = ['platform-admin', 'viewer'];
    assert.deepEqual(principalFromClaims({ ...base, roles }, platform).roles, ['viewer']);
    assert.deepEqual(principalFromClaims({ ...base, tenant: 'platform', roles }, platform).roles, roles);
    const pinned = { tenant: 'platform', issuer: 'https://idp.platform.example' };
    const fromPlatform = { ...base, tenant: 'platform', roles };
    assert.deepEqual(principalFromClaims(fromPlatform, pinned).roles, ['viewer']);
    assert.deepEqual(
      principalFromClaims({ ...fromPlatform, iss: 'https://idp.acme.example' }, pinned).roles,
      ['viewer'],
    );
    assert.deepEqual(principalFromClaims({ ...fromPlatform, iss: pinned.issuer }, pinned).roles, roles);
  });

  test('an act chain deeper than eight actors is refused', () => {
    let act: Record<string, unknown> = { sub: 'bot-0' };
    for (let i = 1; i < 9; i += 1) act = { sub: `bot-${i}`, act };
    assert.throws(
      () => principalFromClaims({ ...base, act }, platform),
      isCode('UNAUTHENTICATED', /more than 8/),
    );
  });
});
