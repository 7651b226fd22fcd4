/**
 * What cleanup does when the forge says work is over (docs/decisions.md §24): one task per event,
 * decided from the event alone (`cleanupFor`) and recorded in the same routing commit as the
 * agents' work, so it is durable and ordered with it. A task names the issues (work-key issue
 * numbers) it touches: it runs only when no job of those keys is queued or running, and no job of
 * those keys starts while it runs. `issues: undefined` means every key of the repository.
 */
import { repoKey, type ForgeEvent, type RepoRef } from './events.js';
import { issueOfBranch } from './pull-of.js';

export type CleanupAction =
  /** PR merged or closed: its head branch's worktrees (every agent) and the reviewer's PR worktree go; their sessions are closed. */
  | {
      readonly kind: 'pull-closed';
      readonly number: number;
      readonly head: string;
      readonly base: string;
      readonly merged: boolean;
    }
  | { readonly kind: 'branch-deleted'; readonly branch: string }
  | { readonly kind: 'issue-closed'; readonly issue: number }
  | { readonly kind: 'issue-reopened'; readonly issue: number }
  /** Cache, worktrees, sessions and transcripts of the repository. */
  | { readonly kind: 'repository-deleted' };

export interface CleanupDecision {
  readonly kind: 'cleanup';
  /** Work-key repo: `host/owner/name`, lower-cased. */
  readonly repo: string;
  readonly repoRef: RepoRef;
  /** Issue numbers of the keys touched; undefined for all of the repository's. */
  readonly issues: readonly number[] | undefined;
  readonly action: CleanupAction;
}

export function cleanupFor(event: ForgeEvent): CleanupDecision[] {
  const repo = repoKey(event.repo);
  const decision = (action: CleanupAction, issues: readonly number[] | undefined): CleanupDecision[] => [
    { kind: 'cleanup', repo, repoRef: event.repo, issues, action },
  ];
  switch (event.type) {
    case 'pull_request': {
      if (event.action !== 'closed') return [];
      const { number, headRef, baseRef, merged } = event.pull;
      return decision({ kind: 'pull-closed', number, head: headRef, base: baseRef, merged }, issuesOf(number, headRef));
    }
    case 'issue':
      if (event.issue.isPull) return [];
      if (event.action === 'closed')
        return decision({ kind: 'issue-closed', issue: event.issue.number }, [event.issue.number]);
      if (event.action === 'reopened')
        return decision({ kind: 'issue-reopened', issue: event.issue.number }, [event.issue.number]);
      return [];
    case 'ref_deleted': {
      if (event.refType !== 'branch') return [];
      const issue = issueOfBranch(event.ref);
      return decision({ kind: 'branch-deleted', branch: event.ref }, issue === undefined ? undefined : [issue]);
    }
    case 'repository':
      return decision({ kind: 'repository-deleted' }, undefined);
    default:
      return [];
  }
}

function issuesOf(number: number, head: string): number[] {
  const issue = issueOfBranch(head);
  return issue === undefined || issue === number ? [number] : [number, issue];
}
