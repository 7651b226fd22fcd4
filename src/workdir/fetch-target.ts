/**
 * What each kind of target fetches — only the refs the job needs, in one `git fetch` — and what it
 * then wants the worktree to be at. Callers hold the repository lock.
 */
import { err, ok, type Result } from '../lib/result.js';
import { fetchRefs, readRefs, type GitContext, type RefToFetch } from './cache.js';
import type { WorktreeRecord } from './registry.js';
import { GitError } from './run-git.js';
import type { AcquireError, AcquireRequest } from './types.js';

export interface Wanted {
  /** The commit the worktree should be at; undefined for a branch the remote does not have. */
  readonly checkout: string | undefined;
  /** Where a new worktree starts: the remote branch, else the default branch. */
  readonly startPoint: string;
  readonly remoteHead: string | undefined;
  /** The local branch's commit (issue-branch), read with the remote refs. */
  readonly localHead: string | undefined;
  /** Commits known to have been on the remote before this fetch (possibly abbreviated). */
  readonly known: readonly string[];
  /** The remote had the branch before: it was pushed, so its absence now means it was deleted. */
  readonly wasOnRemote: boolean;
}

const remoteRef = (branch: string) => `refs/remotes/origin/${branch}`;
const fetchBranch = (branch: string, optional: boolean): RefToFetch => ({
  src: `refs/heads/${branch}`,
  dst: remoteRef(branch),
  optional,
});

export async function fetchForTarget(
  ctx: GitContext,
  cacheDir: string,
  request: AcquireRequest,
  record: WorktreeRecord | undefined,
): Promise<Result<Wanted, AcquireError>> {
  const target = request.target;
  const defaultRef = remoteRef(request.repo.defaultBranch);
  const defaultFetch = fetchBranch(request.repo.defaultBranch, false);

  if (target.kind === 'issue-branch') {
    const ref = remoteRef(target.branch);
    const local = `refs/heads/${target.branch}`;
    const fetched = await fetchRefs(ctx, cacheDir, [defaultFetch, fetchBranch(target.branch, true)]);
    const after = await readRefs(ctx, cacheDir, [ref, defaultRef, local]);
    const remote = after.get(ref);
    // `missing` is keyed by the fetched source, which is also the local branch's ref name.
    const deletedFrom = fetched.missing.get(local);
    // What the remote-tracking ref held before this fetch (the agent's own pushes land there):
    // local commits on that old value were pushed, which tells a force-push from unpushed work.
    const before = fetched.previous.get(ref) ?? deletedFrom ?? remote;
    return ok({
      checkout: remote,
      startPoint: remote ?? required(after, defaultRef),
      remoteHead: remote,
      localHead: after.get(local),
      known: before === undefined ? [] : [before],
      wasOnRemote: record?.remoteHead !== undefined || deletedFrom !== undefined,
    });
  }

  if (target.kind === 'default-branch') {
    await fetchRefs(ctx, cacheDir, [defaultFetch]);
    const head = required(await readRefs(ctx, cacheDir, [defaultRef]), defaultRef);
    return ok({
      checkout: head,
      startPoint: head,
      remoteHead: head,
      localHead: undefined,
      known: [],
      wasOnRemote: true,
    });
  }

  const pullRef = `refs/remotes/origin/pull/${target.number}/head`;
  const refs = [defaultFetch, { src: `refs/pull/${target.number}/head`, dst: pullRef, optional: true }];
  if (target.ref !== undefined) refs.push(fetchBranch(target.ref, true));
  await fetchRefs(ctx, cacheDir, refs);
  const after = await readRefs(ctx, cacheDir, [pullRef, ...(target.ref !== undefined ? [remoteRef(target.ref)] : [])]);
  const remoteHead = after.get(pullRef) ?? (target.ref !== undefined ? after.get(remoteRef(target.ref)) : undefined);
  if (![...after.values()].includes(target.sha)) {
    // The PR moved on since the event, or its head is in no ref we fetched: ask for the commit.
    try {
      await fetchRefs(ctx, cacheDir, [{ src: target.sha, optional: false }]);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      return err({
        kind: 'commit-not-found',
        sha: target.sha,
        message: `commit ${target.sha} of PR #${target.number} is not on the remote: ${error.stderr.trim()}`,
      });
    }
  }
  return ok({
    checkout: target.sha,
    startPoint: target.sha,
    remoteHead,
    localHead: undefined,
    known: [],
    wasOnRemote: true,
  });
}

function required(refs: Map<string, string>, name: string): string {
  const value = refs.get(name);
  if (value === undefined) throw new Error(`${name} missing after fetching it`);
  return value;
}
