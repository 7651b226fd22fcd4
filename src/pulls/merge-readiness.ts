/**
 * Whether a green pull request may be merged by the service (docs/until-merged.md): never without
 * an approval — by a person or the reviewer agent, anyone but the PR's author — of the head the
 * checks passed on, and never while a reviewer's latest word is "changes requested". Branch
 * protection is the forge's to enforce: the service asks, never forces. Pure.
 */
import type { WatchedPull } from './ports.js';
import { allPassed, checkSummary } from './take-check.js';

export interface ReviewWord {
  readonly author: string;
  readonly state: 'approved' | 'changes_requested' | 'comment';
  /** The head the review was made on. */
  readonly commitId: string;
  readonly submittedAt: string;
}

export type Readiness =
  | { readonly ready: true; readonly approvedBy: string }
  | { readonly ready: false; readonly reason: string };

export function mergeReadiness(pull: WatchedPull, author: string, reviews: readonly ReviewWord[]): Readiness {
  if (pull.state !== 'open') return { ready: false, reason: `it is ${pull.state}` };
  if (!allPassed(pull.checks)) return { ready: false, reason: 'its checks have not all passed' };
  const latest = new Map<string, ReviewWord>();
  const ordered = [...reviews].sort((a, b) => Date.parse(a.submittedAt) - Date.parse(b.submittedAt));
  for (const review of ordered) {
    const who = review.author.toLowerCase();
    if (who === author.toLowerCase() || review.state === 'comment') continue;
    latest.set(who, review);
  }
  const blocking = [...latest.values()].find((review) => review.state === 'changes_requested');
  if (blocking) return { ready: false, reason: `${blocking.author} requested changes` };
  const approval = [...latest.values()].find(
    (review) => review.state === 'approved' && review.commitId === pull.headSha,
  );
  if (!approval)
    return {
      ready: false,
      reason: [...latest.values()].some((review) => review.state === 'approved')
        ? 'an approval of its current head'
        : 'an approval',
    };
  return { ready: true, approvedBy: approval.author };
}

/** What the PR waits on, in a few words, for the dashboard and `claude-hooks prs`. */
export function waitingOn(pull: WatchedPull, merging: boolean): string {
  if (pull.state === 'merged') return 'nothing: merged';
  if (pull.state === 'closed') return 'nothing: closed';
  const summary = checkSummary(pull.checks);
  if (summary === 'failure')
    return pull.capped ? 'a person: its fix attempts are used up' : `${pull.agent} to fix its failed checks`;
  if (summary === 'none') return 'checks to report';
  if (summary === 'pending') return 'checks to finish';
  if (!merging) return 'a person to merge it';
  switch (pull.merge.kind) {
    case 'asked':
      return 'the forge to merge it';
    case 'refused':
      return `a person: the forge refused to merge (${pull.merge.reason})`;
    case 'merged':
      return 'nothing: merged';
    default:
      return 'an approval';
  }
}
