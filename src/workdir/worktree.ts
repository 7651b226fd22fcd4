/**
 * One worktree inside a cache: what state it is in on disk, how it is created (with a fixed
 * recovery sequence when `worktree add` fails), and how an existing one follows its remote
 * without ever dropping local work. Callers hold the worktree's lease and the repository lock.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gitIn, type GitContext } from './cache.js';
import { isWithin } from './paths.js';
import { GitError } from './run-git.js';
import type { LocalWork, SyncOutcome } from './types.js';

export type WorktreeState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly adminDir: string }
  /** Something is at the path, but not a usable worktree of this cache. */
  | { readonly kind: 'broken'; readonly reason: string; readonly adminDir: string | undefined };

/** Reads the worktree's `.git` file and admin folder; no git process needed. */
export async function inspectWorktree(path: string, cacheDir: string): Promise<WorktreeState> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return { kind: 'absent' };
  const dotGit = await readFile(join(path, '.git'), 'utf8').catch(() => undefined);
  const adminDir = dotGit === undefined ? undefined : /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
  if (adminDir === undefined) return { kind: 'broken', reason: 'no .git file', adminDir: undefined };
  if (!isWithin(adminDir, join(cacheDir, 'worktrees')))
    return { kind: 'broken', reason: 'belongs to another repository', adminDir: undefined };
  const head = await stat(join(adminDir, 'HEAD')).then(
    () => true,
    () => false,
  );
  if (!head) return { kind: 'broken', reason: 'admin folder missing', adminDir };
  const locked = await readFile(join(adminDir, 'locked'), 'utf8').catch(() => undefined);
  if (locked?.trim() === 'initializing') return { kind: 'broken', reason: 'interrupted worktree add', adminDir };
  return { kind: 'present', adminDir };
}

/** Clears lock files a crash can leave in a worktree's admin folder, when no git holds them. */
export async function clearWorktreeLocks(ctx: GitContext, adminDir: string): Promise<void> {
  for (const name of ['index.lock', 'HEAD.lock', 'locked']) {
    const path = join(adminDir, name);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    // A `locked` file with any other reason was put there on purpose (`git worktree lock`).
    if (name === 'locked' && text.trim() !== 'initializing') continue;
    await ctx.cleaner.clear(path, ctx.repoDirs);
  }
}

/** What `worktree add` should produce. */
export type WorktreeSpec =
  /** `localExists`: whether the local branch exists, when the caller already knows. */
  | { readonly kind: 'branch'; readonly branch: string; readonly startPoint: string; readonly localExists?: boolean }
  | { readonly kind: 'detached'; readonly commit: string };

/** A branch `worktree add` refused because another worktree has it checked out. */
export class BranchInUseError extends Error {
  readonly code = 'WORKDIR_BRANCH_IN_USE';
  constructor(
    readonly branch: string,
    readonly elsewhere: string,
  ) {
    super(`branch ${branch} is already checked out in ${elsewhere}`);
    this.name = 'BranchInUseError';
  }
}

/**
 * Adds the worktree. If `worktree add` fails, runs the fixed recovery once — `worktree remove
 * --force --force`, delete what is left at the path, `worktree prune` — and tries again; a second
 * failure is thrown as the `GitError` of that attempt. Answers how the branch was started.
 */
export async function addWorktree(
  ctx: GitContext,
  cacheDir: string,
  path: string,
  spec: WorktreeSpec,
): Promise<'local-branch' | 'new-branch' | 'commit'> {
  try {
    return await addOnce(ctx, cacheDir, path, spec);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const inUse = /'(.+)' is already checked out at '(.+)'/.exec(error.stderr);
    if (spec.kind === 'branch' && inUse) throw new BranchInUseError(spec.branch, inUse[2] ?? '');
    ctx.log.warn({ err: error, path }, 'worktree add failed; removing, pruning and retrying once');
    await recoverPath(ctx, cacheDir, path);
    // The failed attempt may have created the branch before failing: look again.
    return addOnce(ctx, cacheDir, path, spec.kind === 'branch' ? { ...spec, localExists: undefined } : spec);
  }
}

async function addOnce(
  ctx: GitContext,
  cacheDir: string,
  path: string,
  spec: WorktreeSpec,
): Promise<'local-branch' | 'new-branch' | 'commit'> {
  if (spec.kind === 'detached') {
    await gitIn(ctx, cacheDir, ['worktree', 'add', '--detach', path, spec.commit]);
    return 'commit';
  }
  // A local branch may outlive its worktree (a crash after `-b`, a recreated worktree): reuse it.
  const exists =
    spec.localExists ??
    (await gitIn(ctx, cacheDir, ['show-ref', '--verify', '--quiet', `refs/heads/${spec.branch}`], [1])).exitCode === 0;
  if (exists) {
    await gitIn(ctx, cacheDir, ['worktree', 'add', path, spec.branch]);
    return 'local-branch';
  }
  await gitIn(ctx, cacheDir, ['worktree', 'add', '--no-track', '-b', spec.branch, path, spec.startPoint]);
  return 'new-branch';
}

/**
 * Clears a worktree path that holds nothing worth keeping (an interrupted or failed add): the
 * caller holds the lease, so no job is using it.
 */
export async function recoverPath(ctx: GitContext, cacheDir: string, path: string): Promise<void> {
  const state = await inspectWorktree(path, cacheDir);
  if (state.kind !== 'absent' && state.adminDir !== undefined) await clearWorktreeLocks(ctx, state.adminDir);
  await gitIn(ctx, cacheDir, ['worktree', 'remove', '--force', '--force', path], [128]);
  await rm(path, { recursive: true, force: true });
  await gitIn(ctx, cacheDir, ['worktree', 'prune']);
}

/** Per-worktree settings: the agent's identity, so any git run here commits as the agent. */
export async function configureWorktree(
  ctx: GitContext,
  path: string,
  identity: { name: string; email: string },
): Promise<void> {
  await gitIn(ctx, path, ['config', '--worktree', 'user.name', identity.name]);
  await gitIn(ctx, path, ['config', '--worktree', 'user.email', identity.email]);
}

/** Makes `git push`/`git status` in the worktree use the remote branch of the same name. */
export async function setUpstream(ctx: GitContext, cacheDir: string, branch: string): Promise<void> {
  await gitIn(ctx, cacheDir, ['config', `branch.${branch}.remote`, 'origin']);
  await gitIn(ctx, cacheDir, ['config', `branch.${branch}.merge`, `refs/heads/${branch}`]);
}

export interface WorktreeStatus {
  readonly head: string;
  readonly dirty: boolean;
}

export async function worktreeStatus(ctx: GitContext, path: string): Promise<WorktreeStatus> {
  const { stdout } = await gitIn(ctx, path, [
    'status',
    '--porcelain=v2',
    '--branch',
    '--untracked-files=normal',
    '--ignore-submodules=all',
  ]);
  const lines = stdout.split('\n').filter((l) => l !== '');
  const head = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length) ?? '';
  return { head, dirty: lines.some((l) => !l.startsWith('#')) };
}

/**
 * The commit a worktree's HEAD names, read from its admin folder without running git: the commit
 * itself when detached, `branchHead` when HEAD is on `branch`; undefined when HEAD is elsewhere
 * (the agent switched branches), so the caller asks git instead.
 */
export async function headOf(
  adminDir: string,
  branch: string | undefined,
  branchHead: string | undefined,
): Promise<string | undefined> {
  const text = (await readFile(join(adminDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(text)) return branch === undefined ? text : undefined;
  return branch !== undefined && text === `ref: refs/heads/${branch}` ? branchHead : undefined;
}

export interface SyncInput {
  readonly path: string;
  /** HEAD, when known without git (see `headOf`). */
  readonly head: string | undefined;
  /** Where the remote says the worktree should be; undefined when the remote branch is gone. */
  readonly wanted: string | undefined;
  /** Commits known to be on (or to have come from) the remote, besides the remote-tracking refs. */
  readonly known: readonly string[];
  /** The remote had this branch before (it was pushed), for telling "deleted" from "not yet pushed". */
  readonly wasOnRemote: boolean;
  /** A branch follows with merge/reset; a detached worktree switches. */
  readonly mode: 'branch' | 'detached';
}

/**
 * Brings a clean worktree to `wanted` — fast-forward, or reset after a force-push when every
 * local commit was on the remote — and leaves a worktree with uncommitted or unpushed work as it
 * is, answering `kept-local-work`. When HEAD is already where the remote is (the common re-dispatch)
 * it answers without running git at all. Answers the outcome and HEAD after it.
 */
export async function syncWorktree(ctx: GitContext, input: SyncInput): Promise<{ outcome: SyncOutcome; head: string }> {
  const { path, wanted } = input;
  const current = input.head ?? (await worktreeStatus(ctx, path)).head;
  if (wanted === undefined)
    return { outcome: input.wasOnRemote ? { kind: 'remote-branch-deleted' } : { kind: 'unchanged' }, head: current };
  if (wanted === current) return { outcome: { kind: 'unchanged' }, head: current };
  const status = await worktreeStatus(ctx, path);
  const outcome = await follow(ctx, input, status, wanted);
  return { outcome, head: 'to' in outcome ? outcome.to : status.head };
}

async function follow(ctx: GitContext, input: SyncInput, status: WorktreeStatus, wanted: string): Promise<SyncOutcome> {
  const { path } = input;
  if (wanted === status.head) return { kind: 'unchanged' };
  const move = { from: status.head, to: wanted };
  if (input.mode === 'detached') {
    const unpushed = await unpushedCount(ctx, path, input.known);
    if (status.dirty || unpushed > 0)
      return { kind: 'kept-local-work', remoteHead: wanted, uncommitted: status.dirty, unpushedCommits: unpushed };
    await gitIn(ctx, path, ['switch', '--quiet', '--detach', wanted]);
    return { kind: 'moved', ...move };
  }
  // The branch is ahead of its remote (work not pushed yet) and the remote did not move.
  if (await isAncestor(ctx, path, wanted, status.head)) return { kind: 'unchanged' };
  const behindOnly = await isAncestor(ctx, path, status.head, wanted);
  const unpushed = behindOnly ? 0 : await unpushedCount(ctx, path, input.known);
  if (status.dirty || unpushed > 0)
    return { kind: 'kept-local-work', remoteHead: wanted, uncommitted: status.dirty, unpushedCommits: unpushed };
  if (behindOnly) {
    await gitIn(ctx, path, ['merge', '--quiet', '--ff-only', wanted]);
    return { kind: 'fast-forwarded', ...move };
  }
  await gitIn(ctx, path, ['reset', '--quiet', '--hard', wanted]);
  return { kind: 'reset', ...move };
}

async function isAncestor(ctx: GitContext, cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await gitIn(ctx, cwd, ['merge-base', '--is-ancestor', ancestor, descendant], [1]);
  return exitCode === 0;
}

/** Commits on `rev` that are on no remote-tracking ref and not among `known` commits. */
export async function unpushedCount(
  ctx: GitContext,
  cwd: string,
  known: readonly string[],
  rev = 'HEAD',
): Promise<number> {
  const { stdout } = await gitIn(ctx, cwd, [
    'rev-list',
    '--count',
    '--ignore-missing',
    rev,
    '--not',
    '--remotes=origin',
    ...known,
  ]);
  return Number.parseInt(stdout.trim(), 10) || 0;
}

/** Uncommitted changes (tracked or untracked, not ignored) and commits on HEAD on no remote-tracking ref. */
export async function localWorkOf(ctx: GitContext, path: string): Promise<LocalWork> {
  const status = await worktreeStatus(ctx, path);
  return { uncommitted: status.dirty, unpushedCommits: await unpushedCount(ctx, path, []) };
}
