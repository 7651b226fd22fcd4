/**
 * What the default branch's protection rule must say so that no agent changes it on its own
 * (docs/forge-setup.md, "Protecting the default branch"): nobody pushes to it (or only people on
 * a push allowlist), a pull request needs at least one approval to be merged, a new commit
 * dismisses the approvals given before it, and no agent is on an allowlist that would let it
 * push, approve or merge. init creates and repairs the rule from this, doctor judges it.
 *
 * Why these suffice: an approval counts only when its author has write (Gitea's "official"
 * review); the reviewer has read and boss's token cannot post reviews, and dev cannot approve the
 * pull requests it opens. So every merge needs a person's approval of the very commits merged.
 * With `allowBotMerge` the operator lets agents merge among themselves: the rule then still
 * closes direct pushes and asks for an approval, but leaves the allowlists and the stale
 * approvals setting as the operator has them.
 */
import type { BranchRule, BranchRuleChange } from './ports.js';

export interface RuleOptions {
  /** The agents' logins. */
  readonly bots: readonly string[];
  readonly allowBotMerge?: boolean;
}

/** The rule init creates where there is none. */
export const PROTECTED_RULE: BranchRule = {
  enablePush: false,
  pushAllowlist: null,
  requiredApprovals: 1,
  dismissStaleApprovals: true,
  approvalsAllowlist: null,
  mergeAllowlist: null,
};

export interface RuleVerdict {
  /** What is wrong, in words; empty when the rule is right. */
  readonly problems: readonly string[];
  /** The fields to change to make it right. */
  readonly change: BranchRuleChange;
}

export function judgeRule(rule: BranchRule, options: RuleOptions): RuleVerdict {
  const parts = [pushPart(rule, options.bots), approvalsPart(rule)];
  if (options.allowBotMerge !== true) {
    parts.push(
      stalePart(rule),
      allowlistPart(rule.approvalsAllowlist, options.bots, 'approvalsAllowlist', 'approvals'),
      allowlistPart(rule.mergeAllowlist, options.bots, 'mergeAllowlist', 'merge'),
    );
  }
  return {
    problems: parts.flatMap((part) => part.problems),
    change: Object.assign({}, ...parts.map((part) => part.change)) as BranchRuleChange,
  };
}

const RIGHT: RuleVerdict = { problems: [], change: {} };

function botsIn(list: readonly string[], bots: readonly string[]): string[] {
  const lower = new Set(bots.map((bot) => bot.toLowerCase()));
  return list.filter((login) => lower.has(login.toLowerCase()));
}

/** Pushes closed, or open to people on an allowlist only; agents are taken off it. */
function pushPart(rule: BranchRule, bots: readonly string[]): RuleVerdict {
  if (!rule.enablePush) return RIGHT;
  if (rule.pushAllowlist === null)
    return {
      problems: ['anyone with write (the agents too) may push to it'],
      change: { enablePush: false, pushAllowlist: null },
    };
  const listed = botsIn(rule.pushAllowlist, bots);
  if (listed.length === 0) return RIGHT;
  const people = rule.pushAllowlist.filter((login) => !listed.includes(login));
  return {
    problems: [`its push allowlist names ${listed.join(', ')}`],
    change:
      people.length === 0 ? { enablePush: false, pushAllowlist: null } : { enablePush: true, pushAllowlist: people },
  };
}

function approvalsPart(rule: BranchRule): RuleVerdict {
  return rule.requiredApprovals >= 1
    ? RIGHT
    : { problems: ['it requires no approval to merge'], change: { requiredApprovals: 1 } };
}

/** Without it, an agent could push new commits after a person approved, then merge them. */
function stalePart(rule: BranchRule): RuleVerdict {
  return rule.dismissStaleApprovals
    ? RIGHT
    : { problems: ['approvals outlive new commits'], change: { dismissStaleApprovals: true } };
}

/**
 * Agents taken off an approvals or merge allowlist. An allowlist left with nobody goes: an empty
 * one would let nobody at all approve or merge, and without one the approvals rule still holds.
 */
function allowlistPart(
  list: readonly string[] | null,
  bots: readonly string[],
  field: 'approvalsAllowlist' | 'mergeAllowlist',
  what: string,
): RuleVerdict {
  if (list === null) return RIGHT;
  const listed = botsIn(list, bots);
  if (listed.length === 0) return RIGHT;
  const people = list.filter((login) => !listed.includes(login));
  return {
    problems: [`its ${what} allowlist names ${listed.join(', ')}`],
    change: { [field]: people.length === 0 ? null : people },
  };
}
