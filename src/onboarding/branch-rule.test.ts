import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { judgeRule, PROTECTED_RULE } from './branch-rule.js';
import type { BranchRule } from './ports.js';

const bots = ['boss', 'dev', 'reviewer'];
const rule = (change: Partial<BranchRule>): BranchRule => ({ ...PROTECTED_RULE, ...change });

describe('the default branch rule init makes and doctor judges', () => {
  it('finds nothing wrong with the rule init creates', () => {
    assert.deepEqual(judgeRule(PROTECTED_RULE, { bots }), { problems: [], change: {} });
  });

  it('closes pushes that every writer may make', () => {
    assert.deepEqual(judgeRule(rule({ enablePush: true, pushAllowlist: null }), { bots }), {
      problems: ['anyone with write (the agents too) may push to it'],
      change: { enablePush: false, pushAllowlist: null },
    });
  });

  it('leaves people on a push allowlist and takes the agents off it, matching logins in any case', () => {
    assert.deepEqual(judgeRule(rule({ enablePush: true, pushAllowlist: ['alice', 'Dev'] }), { bots }), {
      problems: ['its push allowlist names Dev'],
      change: { enablePush: true, pushAllowlist: ['alice'] },
    });
  });

  it('closes pushes when only agents were on the push allowlist', () => {
    assert.deepEqual(judgeRule(rule({ enablePush: true, pushAllowlist: ['dev'] }), { bots }).change, {
      enablePush: false,
      pushAllowlist: null,
    });
  });

  it('accepts pushes by people on an allowlist', () => {
    assert.deepEqual(judgeRule(rule({ enablePush: true, pushAllowlist: ['alice'] }), { bots }).problems, []);
  });

  it('asks for an approval, and for approvals that a new commit dismisses', () => {
    assert.deepEqual(judgeRule(rule({ requiredApprovals: 0, dismissStaleApprovals: false }), { bots }), {
      problems: ['it requires no approval to merge', 'approvals outlive new commits'],
      change: { requiredApprovals: 1, dismissStaleApprovals: true },
    });
  });

  it('keeps more approvals than one when the operator asked for them', () => {
    assert.deepEqual(judgeRule(rule({ requiredApprovals: 2 }), { bots }).problems, []);
  });

  it('takes agents off the approvals and merge allowlists, and drops an allowlist left empty', () => {
    assert.deepEqual(
      judgeRule(rule({ approvalsAllowlist: ['alice', 'reviewer'], mergeAllowlist: ['dev'] }), { bots }),
      {
        problems: ['its approvals allowlist names reviewer', 'its merge allowlist names dev'],
        change: { approvalsAllowlist: ['alice'], mergeAllowlist: null },
      },
    );
  });

  it('with allowBotMerge, still closes pushes and asks for an approval, but leaves allowlists and stale approvals alone', () => {
    const loose = rule({
      enablePush: true,
      pushAllowlist: null,
      requiredApprovals: 0,
      dismissStaleApprovals: false,
      mergeAllowlist: ['dev'],
    });

    assert.deepEqual(judgeRule(loose, { bots, allowBotMerge: true }), {
      problems: ['anyone with write (the agents too) may push to it', 'it requires no approval to merge'],
      change: { enablePush: false, pushAllowlist: null, requiredApprovals: 1 },
    });
  });
});
