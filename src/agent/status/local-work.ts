/**
 * The one sentence that says a run left work only on this worker (docs/decisions.md §30): a worktree
 * lives on one machine, so commits and changes that were not pushed are lost when the key's next
 * job runs on another worker. Shared by the status comment and the run record.
 */

/** What a run left in its worktree that is on no remote. */
export interface UnpushedWork {
  readonly uncommitted: boolean;
  readonly unpushedCommits: number;
}

/** The sentence, or undefined when everything was pushed. */
export function describeUnpushedWork(work: UnpushedWork): string | undefined {
  const commits = work.unpushedCommits === 1 ? '1 commit' : `${work.unpushedCommits} commits`;
  const what =
    work.unpushedCommits > 0 && work.uncommitted
      ? `${commits} and uncommitted changes were`
      : work.unpushedCommits > 0
        ? `${commits} ${work.unpushedCommits === 1 ? 'was' : 'were'}`
        : work.uncommitted
          ? 'Uncommitted changes were'
          : undefined;
  return what && `${what} not pushed: they stay on this worker only, and are lost if the job moves to another worker.`;
}
