// The chatops bot's phrases (examples/chatops-bot/phrases.ts) and its token signer: what each phrase becomes, what
// is refused with a usage line, and the act chain in the tokens it mints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVerifier } from 'fast-jwt';
import { parsePhrase } from '../../../examples/chatops-bot/phrases.ts';
import {
  createLocalSigner,
  parseUserDirectory,
  UnknownUserError,
} from '../../../examples/chatops-bot/signer.ts';

test("the issue's phrases become their commands", () => {
  assert.deepEqual(parsePhrase('status alpha'), { kind: 'status', swarm: 'alpha' });
  assert.deepEqual(parsePhrase('drain alpha-w1 because kernel patch'), {
    kind: 'availability',
    availability: 'DRAIN',
    node: 'alpha-w1',
    reason: 'kernel patch',
  });
  assert.deepEqual(parsePhrase('  Drain beta-w1 on beta   because  the disk, again '), {
    kind: 'availability',
    availability: 'DRAIN',
    node: 'beta-w1',
    swarm: 'beta',
    reason: 'the disk, again',
  });
  assert.deepEqual(parsePhrase('activate alpha-w1'), {
    kind: 'availability',
    availability: 'ACTIVE',
    node: 'alpha-w1',
  });
  assert.deepEqual(parsePhrase('plan demote alpha-m2'), {
    kind: 'plan',
    action: 'demote',
    node: 'alpha-m2',
    force: false,
  });
  assert.deepEqual(parsePhrase('plan demote alpha-m2 on alpha force because raft cleanup'), {
    kind: 'plan',
    action: 'demote',
    node: 'alpha-m2',
    swarm: 'alpha',
    force: true,
    reason: 'raft cleanup',
  });
  assert.deepEqual(parsePhrase('maintain alpha workers'), {
    kind: 'maintain',
    swarm: 'alpha',
    selector: { role: 'WORKER' },
  });
  assert.deepEqual(parsePhrase('maintain alpha workers pause 5 batch 2'), {
    kind: 'maintain',
    swarm: 'alpha',
    selector: { role: 'WORKER' },
    pauseSeconds: 5,
    batchSize: 2,
  });
  assert.deepEqual(parsePhrase('maintain beta nodes beta-w1,beta-m1'), {
    kind: 'maintain',
    swarm: 'beta',
    selector: { nodes: ['beta-w1', 'beta-m1'] },
  });
  assert.deepEqual(parsePhrase('maintain beta label zone=b'), {
    kind: 'maintain',
    swarm: 'beta',
    selector: { label: 'zone=b' },
  });
  assert.deepEqual(parsePhrase('continue 1234 alpha-w1'), {
    kind: 'continue',
    job: '1234',
    node: 'alpha-w1',
  });
  assert.deepEqual(parsePhrase('approve 1234'), { kind: 'approve', job: '1234' });
  assert.deepEqual(parsePhrase('reject 1234 because not in the window'), {
    kind: 'reject',
    job: '1234',
    reason: 'not in the window',
  });
  assert.deepEqual(parsePhrase('resume 1234'), { kind: 'resume', job: '1234' });
  assert.deepEqual(parsePhrase('maintain beta nodes beta-w1 because kernel patch'), {
    kind: 'maintain',
    swarm: 'beta',
    selector: { nodes: ['beta-w1'] },
    reason: 'kernel patch',
  });
  assert.deepEqual(parsePhrase('help'), { kind: 'help' });
  assert.deepEqual(parsePhrase('job 1234'), { kind: 'job', job: '1234' });
});

test('anything else is unknown; a known verb used wrongly answers its own usage', () => {
  for (const text of ['', 'hello bot', 'rm -rf /', 'dr41n alpha-w1'])
    assert.deepEqual(parsePhrase(text), { kind: 'unknown' });
  const invalid = [
    'status',
    'status alpha beta',
    'drain',
    'drain alpha-w1 somewhere',
    'drain ../etc on alpha',
    'plan',
    'plan reboot alpha-m2',
    'maintain alpha',
    'maintain alpha everything',
    'maintain alpha workers pause soon',
    'maintain alpha workers pause 5 pause 6',
    'continue 1234',
    'approve',
    'resume',
    'job 1 2',
    'reject 1234',
    'status $(whoami)',
  ];
  for (const text of invalid) {
    const command = parsePhrase(text);
    assert.equal(command.kind, 'invalid', `${text} → ${JSON.stringify(command)}`);
    assert.match((command as { message: string }).message, /^usage: /);
  }
});

test('the signer mints a short-lived act-chain token for a known user only', async () => {
  const secret = 'a-secret-that-is-long-enough-0123456789';
  const users = parseUserDirectory('alice=operator, bob=admin+viewer');
  assert.deepEqual(
    [...users],
    [
      ['alice', ['operator']],
      ['bob', ['admin', 'viewer']],
    ],
  );
  assert.throws(() => parseUserDirectory('eve=root'), /not one of viewer, operator, admin/);
  assert.throws(() => parseUserDirectory('eve'), /not user=role/);

  const signer = createLocalSigner({ secret, tenant: 'blue', users, issuer: 'chat', audience: 'swarmgate' });
  const claims = createVerifier({ key: secret, algorithms: ['HS256'] })(
    await signer.tokenFor('alice'),
  ) as Record<string, unknown>;
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.tenant, 'blue');
  assert.deepEqual(claims.roles, ['operator']);
  assert.deepEqual(claims.act, { sub: 'chatops-bot' });
  assert.equal(claims.iss, 'chat');
  assert.equal(claims.aud, 'swarmgate');
  assert.equal((claims.exp as number) - (claims.iat as number), 300);
  await assert.rejects(signer.tokenFor('mallory'), UnknownUserError);
});
