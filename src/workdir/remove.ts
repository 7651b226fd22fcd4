/**
 * Safe removal. A worktree is deleted outright only when it is clean and every commit on it is on
 * the remote; otherwise its unpushed commits are saved as a `git bundle` and its uncommitted
 * changes (tracked and untracked, not ignored) as a binary patch, in the attic, and only then is
 * it deleted. The local branch and git's worktree metadata go with it. A leased worktree is never
 * touched; a cache is removed only after all its worktrees were.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { err, ok, type Result } from '../lib/result.js';
import { cacheExists, ensureRemoteUrl, fetchRefs, gitIn, type GitContext, type RefToFetch } from './cache.js';
import { gitContextFor, remoteUrlOf, type WorkdirDeps } from './deps.js';
import type { Release } from './locks.js';
import { atticDirOf, cacheDirOf, isWithin, repoKeyOf, worktreeDirOf, worktreeIdOf } from './paths.js';
import type { WorktreeRecord } from './registry.js';
import { GitError } from './run-git.js';
import type {
  CacheRemoval,
  RemoveOptions,
  Removal,
  RemovalError,
  RepoSpec,
  SavedWork,
  WorktreeIdentity,
  WorktreeRef,
  WorktreeTarget,
} from './types.js';
import { clearWorktreeLocks, inspectWorktree, recoverPath, unpushedCount, worktreeStatus } from './worktree.js';

interface Subject extends WorktreeIdentity {
  readonly record: WorktreeRecord | undefined;
}

async function resolve(deps: WorkdirDeps, ref: WorktreeRef): Promise<Subject | undefined> {
  if ('id' in ref) {
    const record = await deps.registry.get(ref.id);
    return record && { ...record, record };
  }
  const repoKey = repoKeyOf(ref.repo);
  const id = worktreeIdOf(ref.repo, ref.agent, ref.target);
  const record = await deps.registry.get(id);
  return {
    id,
    repo: ref.repo,
    repoKey,
    agent: ref.agent,
    target: ref.target,
    path: worktreeDirOf(deps.layout, repoKey, ref.agent, ref.target),
    record,
  };
}

export async function removeWorktree(
  deps: WorkdirDeps,
  ref: WorktreeRef,
  options: RemoveOptions = {},
): Promise<Result<Removal, RemovalError>> {
  const subject = await resolve(deps, ref);
  if (!subject) return ok({ id: 'id' in ref ? ref.id : '', path: '', removed: false, saved: undefined });
  const release = await deps.leases.take(subject.id, 'removal');
  if (!release) return err(leasedError([subject.id]));
  try {
    const ctx = await gitContextFor(deps, subject.repoKey, subject.repo, options.auth, options.signal);
    return await deps.locks.withLock(subject.repoKey, options.signal, async () => {
      await refreshRemote(ctx, deps, subject, options);
      return removeLocked(deps, ctx, subject);
    });
  } finally {
    await release();
  }
}

export async function removeCache(
  deps: WorkdirDeps,
  repo: RepoSpec,
  options: RemoveOptions = {},
): Promise<Result<CacheRemoval, RemovalError>> {
  const repoKey = repoKeyOf(repo);
  const records = (await deps.registry.list()).filter((r) => r.repoKey === repoKey);
  const releases: Release[] = [];
  try {
    const busy: string[] = [];
    for (const record of records) {
      const release = await deps.leases.take(record.id, 'removal');
      if (release) releases.push(release);
      else busy.push(record.id);
    }
    if (busy.length > 0) return err(leasedError(busy));
    const ctx = await gitContextFor(deps, repoKey, repo, options.auth, options.signal);
    return await deps.locks.withLock(repoKey, options.signal, async () => {
      const removals: Removal[] = [];
      for (const record of records) {
        const subject = { ...record, record };
        await refreshRemote(ctx, deps, subject, options);
        const removed = await removeLocked(deps, ctx, subject);
        if (!removed.ok) return removed;
        removals.push(removed.value);
      }
      const cacheDir = cacheDirOf(deps.layout, repoKey);
      const existed = await cacheExists(cacheDir);
      if (existed) removals.push(...(await removeUnregistered(deps, ctx, repo, repoKey, cacheDir)));
      await rm(cacheDir, { recursive: true, force: true });
      await rm(join(deps.layout.trees, repoKey), { recursive: true, force: true });
      deps.log.info({ repoKey, worktrees: removals.length }, 'cache removed');
      return ok({ repoKey, worktrees: removals, removed: existed });
    });
  } finally {
    for (const release of releases) await release();
  }
}

/** Worktrees git knows in this cache that have no record (a lost registry file): saved and removed too. */
async function removeUnregistered(
  deps: WorkdirDeps,
  ctx: GitContext,
  repo: RepoSpec,
  repoKey: string,
  cacheDir: string,
): Promise<Removal[]> {
  const { stdout } = await gitIn(ctx, cacheDir, ['worktree', 'list', '--porcelain']);
  const paths = stdout
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length))
    .filter((p) => isWithin(p, join(deps.layout.trees, repoKey)) && p !== cacheDir);
  const removals: Removal[] = [];
  for (const path of paths) {
    const agent = basename(dirname(path));
    // Without a record the target is unknown: its work is saved like any detached worktree's.
    const target: WorktreeTarget = { kind: 'default-branch' };
    const subject: Subject = { id: '', repo, repoKey, agent, target, path, record: undefined };
    const removed = await removeLocked(deps, ctx, subject);
    if (removed.ok) removals.push(removed.value);
  }
  return removals;
}

function leasedError(ids: readonly string[]): RemovalError {
  return {
    kind: 'leased',
    ids,
    message: `worktree ${ids.join(', ')} is in use by a job; remove it after the job releases it`,
  };
}

/**
 * Fetches the refs that decide "is it on the remote". Without credentials, or when the remote
 * cannot be reached (a deleted repository), the refs as last fetched decide: that can only make
 * the removal save more, never less.
 */
async function refreshRemote(
  ctx: GitContext,
  deps: WorkdirDeps,
  subject: Subject,
  options: RemoveOptions,
): Promise<void> {
  const cacheDir = cacheDirOf(deps.layout, subject.repoKey);
  if (!options.auth || !(await cacheExists(cacheDir))) return;
  const refs: RefToFetch[] = [
    {
      src: `refs/heads/${subject.repo.defaultBranch}`,
      dst: `refs/remotes/origin/${subject.repo.defaultBranch}`,
      optional: true,
    },
  ];
  if (subject.target.kind === 'issue-branch')
    refs.push({
      src: `refs/heads/${subject.target.branch}`,
      dst: `refs/remotes/origin/${subject.target.branch}`,
      optional: true,
    });
  try {
    await ensureRemoteUrl(ctx, cacheDir, remoteUrlOf(deps, subject.repo));
    await fetchRefs(ctx, cacheDir, refs);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    deps.log.warn(
      { err: error, worktree: subject.id },
      'fetch before removal failed; deciding from the refs as last fetched',
    );
  }
}

async function removeLocked(
  deps: WorkdirDeps,
  ctx: GitContext,
  subject: Subject,
): Promise<Result<Removal, RemovalError>> {
  const cacheDir = cacheDirOf(deps.layout, subject.repoKey);
  const branch = subject.target.kind === 'issue-branch' ? subject.target.branch : undefined;
  const hasCache = await cacheExists(cacheDir);
  const state = hasCache ? await inspectWorktree(subject.path, cacheDir) : ({ kind: 'absent' } as const);
  const known = subject.target.kind !== 'issue-branch' && subject.record?.base ? [subject.record.base] : [];
  let saved: SavedWork | undefined;

  if (state.kind === 'broken') {
    if (subject.record?.state !== 'creating') {
      return err({
        kind: 'unreadable',
        id: subject.id,
        path: subject.path,
        message: `${subject.path} is not a readable worktree (${state.reason}): inspect it and delete it by hand`,
      });
    }
    await recoverPath(ctx, cacheDir, subject.path);
  } else if (state.kind === 'present') {
    const lock = await lockReason(state.adminDir);
    if (lock !== undefined && lock !== 'initializing') {
      return err({
        kind: 'locked',
        id: subject.id,
        reason: lock,
        message: `worktree ${subject.path} was locked with "git worktree lock" (${lock}); unlock it to remove it`,
      });
    }
    await clearWorktreeLocks(ctx, state.adminDir);
    saved = await saveWork(deps, ctx, subject, subject.path, 'HEAD', known);
    await gitIn(ctx, cacheDir, ['worktree', 'remove', '--force', '--force', subject.path]);
  }
  await rm(subject.path, { recursive: true, force: true });

  if (hasCache && branch !== undefined) {
    const exists = await gitIn(ctx, cacheDir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], [1]);
    if (exists.exitCode === 0) {
      // The worktree was already gone but its branch was not: its commits may still need saving.
      saved ??= await saveWork(deps, ctx, subject, cacheDir, `refs/heads/${branch}`, known);
      await gitIn(ctx, cacheDir, ['branch', '--quiet', '-D', branch]);
    }
  }
  if (hasCache && subject.target.kind === 'pr-head')
    await gitIn(ctx, cacheDir, ['update-ref', '-d', `refs/remotes/origin/pull/${subject.target.number}/head`]);
  if (hasCache) await gitIn(ctx, cacheDir, ['worktree', 'prune']);
  if (subject.id !== '') await deps.registry.delete(subject.id);
  const removed = state.kind !== 'absent' || subject.record !== undefined;
  deps.log.info(
    { worktree: subject.id, path: subject.path, saved: saved?.dir },
    removed ? 'worktree removed' : 'worktree already absent',
  );
  return ok({ id: subject.id, path: subject.path, removed, saved });
}

async function lockReason(adminDir: string): Promise<string | undefined> {
  const text = await readFile(join(adminDir, 'locked'), 'utf8').catch(() => undefined);
  return text?.trim();
}

/**
 * Saves what would be lost: commits of `rev` on no remote-tracking ref (bundle) and, when `cwd`
 * is the worktree, uncommitted changes (patch, built in a throw-away index so the worktree's own
 * index is untouched). Answers undefined when there was nothing to save.
 */
async function saveWork(
  deps: WorkdirDeps,
  ctx: GitContext,
  subject: Subject,
  cwd: string,
  rev: string,
  known: readonly string[],
): Promise<SavedWork | undefined> {
  const inWorktree = rev === 'HEAD';
  const status = inWorktree ? await worktreeStatus(ctx, cwd) : undefined;
  const unpushed = await unpushedCount(ctx, cwd, known, rev);
  if (!status?.dirty && unpushed === 0) return undefined;

  const dir = atticDirOf(deps.layout, subject.path, deps.clock.now());
  await mkdir(dir, { recursive: true });
  const head = (await gitIn(ctx, cwd, ['rev-parse', '--verify', rev])).stdout.trim();
  let bundle: string | undefined;
  if (unpushed > 0) {
    bundle = join(dir, 'commits.bundle');
    await gitIn(ctx, cwd, ['bundle', 'create', '--quiet', bundle, rev, '--not', '--remotes=origin', ...known]);
  }
  let patch: string | undefined;
  if (status?.dirty) {
    patch = join(dir, 'changes.patch');
    const index = join(dir, 'scratch-index');
    const scratch = { ...ctx, env: { ...ctx.env, GIT_INDEX_FILE: index } };
    await gitIn(scratch, cwd, ['read-tree', 'HEAD']);
    await gitIn(scratch, cwd, ['add', '--all']);
    await gitIn(scratch, cwd, [
      'diff',
      '--cached',
      '--binary',
      '--no-ext-diff',
      '--no-textconv',
      '--ignore-submodules=all',
      `--output=${patch}`,
      'HEAD',
    ]);
    await rm(index, { force: true });
  }
  const saved: SavedWork = { dir, bundle, unpushedCommits: unpushed, patch, head };
  await writeFile(
    join(dir, 'saved.json'),
    `${JSON.stringify(
      {
        worktree: subject.id,
        repository: `${subject.repo.host}/${subject.repo.owner}/${subject.repo.name}`,
        agent: subject.agent,
        target: subject.target,
        path: subject.path,
        savedAt: new Date(deps.clock.now()).toISOString(),
        ...saved,
        restore: [
          ...(bundle ? [`git fetch ${bundle} ${rev === 'HEAD' ? 'HEAD' : rev}:refs/heads/restored`] : []),
          ...(patch ? [`git checkout ${head} && git apply --index ${patch}`] : []),
        ],
      },
      null,
      2,
    )}\n`,
  );
  deps.log.warn(
    { worktree: subject.id, attic: dir, unpushedCommits: unpushed, uncommitted: Boolean(patch) },
    'saved unpushed work to the attic before removal',
  );
  return saved;
}
