// The approval policy's pure rules: rule checks, which rule a job matches (the strictest), and who may decide.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../../src/auth/principal.ts';
import {
  approvalFor,
  approvalRulesOf,
  checkApprover,
  type JobApproval,
} from '../../../src/domain/approval-policy.ts';
import { GatewayError } from '../../../src/errors.ts';

const isAction = (action: string) => ['node.demote', 'stack.remove'].includes(action);

test('rules get their defaults; a bad field is BAD_INPUT naming it', () => {
  assert.deepEqual(approvalRulesOf([{ action: ' node.demote ', approvals: 1 }], isAction), [
    { action: 'node.demote', swarmLabel: null, approvals: 1, role: 'admin', expiresInMinutes: 60 },
  ]);
  const cases: [object, string][] = [
    [{ action: 'node.explode', approvals: 1 }, 'rules[0].action'],
    [{ action: 'node.demote', approvals: 1.5 }, 'rules[0].approvals'],
    [{ action: 'node.demote', approvals: 1, swarmLabel: 'a=b=c' }, 'rules[0].swarmLabel'],
    [{ action: 'node.demote', approvals: 1, role: 'root' }, 'rules[0].role'],
    [{ action: 'node.demote', approvals: 1, expiresInMinutes: Number.NaN }, 'rules[0].expiresInMinutes'],
  ];
  for (const [rule, field] of cases) {
    assert.throws(
      () => approvalRulesOf([rule as { action: string; approvals: number }], isAction),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'BAD_INPUT' && error.details?.field === field,
      field,
    );
  }
});

test('a job matches the rules of its action whose selector its swarm has; the strictest wins', () => {
  const rules = approvalRulesOf(
    [
      { action: 'stack.remove', approvals: 1, role: 'operator' },
      { action: 'stack.remove', swarmLabel: 'env=prod', approvals: 2, expiresInMinutes: 5 },
    ],
    isAction,
  );
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(approvalFor(rules, 'stack.remove', { env: 'prod' }, now), {
    required: 2,
    role: 'admin',
    expiresAt: '2026-01-01T00:05:00.000Z',
    given: [],
  });
  assert.equal(approvalFor(rules, 'stack.remove', { env: 'dev' }, now)?.required, 1);
  assert.equal(approvalFor(rules, 'stack.remove', {}, now)?.role, 'operator');
  assert.equal(approvalFor(rules, 'node.demote', { env: 'prod' }, now), null);
});

test('the requester, a token acting for or through it, a repeat and another tenant may not decide', () => {
  const job = { tenant: 'blue', requestedBy: { sub: 'alice', actors: [] } };
  const approval: JobApproval = {
    required: 2,
    role: 'admin',
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    given: [{ sub: 'bob', actors: [], at: new Date().toISOString() }],
  };
  const who = (sub: string, actors: string[] = [], tenant = 'blue'): Principal => ({
    sub,
    tenant,
    roles: ['admin'],
    actors,
  });
  const refused: [Principal, RegExp][] = [
    [who('alice'), /alice asked for this job/],
    [who('alice', ['chatops-bot']), /through chatops-bot/],
    [who('mallory', ['alice']), /acts in this token/],
    [who('bob'), /already approved/],
    [who('carol', [], 'red'), /job's tenant "blue"/],
  ];
  for (const [principal, message] of refused) {
    assert.throws(
      () => checkApprover(principal, job, approval),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'FORBIDDEN' && message.test(error.message),
    );
  }
  assert.doesNotThrow(() => checkApprover(who('carol', ['chatops-bot']), job, approval));
});
