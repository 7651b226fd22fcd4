/**
 * The cache clone: one bare partial clone (`blob:none`) per repository, whose object store every
 * worktree of that repository shares. It is configured once, in a temporary folder renamed into
 * place, so a crash mid-creation leaves nothing that looks like a cache. Callers hold the
 * repository lock for everything here.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { GitRunner } from './run-git.js';
import { GitError } from './run-git.js';
import { retryingStaleLock, type StaleLockCleaner } from './stale-locks.js';

export interface GitContext {
  readonly git: GitRunner;
  readonly cleaner: StaleLockCleaner;
  readonly log: Logger;
  /** Environment for every call: identity, credential helper, token. */
  readonly env: Readonly<Record<string, string>>;
  /** The repository's cache and worktree folders, where a stale lock may be cleared. */
  readonly repoDirs: readonly string[];
  readonly signal: AbortSignal | undefined;
}

/** Runs git in `cwd`, clearing a stale lock and retrying once if that is what stopped it. */
export function gitIn(ctx: GitContext, cwd: string, args: readonly string[], allowExitCodes?: readonly number[]) {
  return retryingStaleLock(ctx.cleaner, ctx.repoDirs, () =>
    ctx.git.run(args, { cwd, env: ctx.env, signal: ctx.signal, allowExitCodes }),
  );
}

/** Settings of every cache; see docs/workdirs.md for why each is there. */
const CACHE_CONFIG: readonly (readonly [string, string])[] = [
  ['core.repositoryformatversion', '1'],
  ['extensions.worktreeConfig', 'true'],
  ['remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*'],
  ['remote.origin.promisor', 'true'],
  ['remote.origin.partialclonefilter', 'blob:none'],
  ['remote.origin.tagOpt', '--no-tags'],
  ['fetch.prune', 'true'],
  // Automatic gc/maintenance run from many worktrees at once corrupt worktree metadata and load
  // the machine; `Workdirs.maintain` runs gc instead, under the repository lock.
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  // A bare repository writes bitmaps on repack by default, which a partial clone cannot have.
  ['repack.writeBitmaps', 'false'],
  // Without an identity from the worktree config or the environment, refuse to commit rather
  // than invent one from the host name.
  ['user.useConfigOnly', 'true'],
  ['advice.detachedHead', 'false'],
  // `fetchRefs` reads the previous value of each moved ref from fetch's ref-update lines.
  ['fetch.output', 'full'],
  // `git status` on a 3,000-file worktree is most of a warm re-dispatch; this caches the
  // untracked-file scan in the index.
  ['core.untrackedCache', 'true'],
  // Creating a worktree is mostly writing files; parallel checkout (one worker per core) nearly
  // halves it on two cores.
  ['checkout.workers', '0'],
];

export async function cacheExists(dir: string): Promise<boolean> {
  return stat(join(dir, 'HEAD')).then(
    () => true,
    () => false,
  );
}

/** Creates the cache at `dir` unless it exists; answers whether it created it. */
export async function ensureCache(ctx: GitContext, dir: string, cloneUrl: string): Promise<boolean> {
  if (await cacheExists(dir)) return false;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeLeftovers(parent, basename(dir));
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await ctx.git.run(['init', '--bare', '--quiet', tmp], { cwd: parent, env: ctx.env, signal: ctx.signal });
  const config = (args: readonly string[]) =>
    ctx.git.run(['config', ...args], { cwd: tmp, env: ctx.env, signal: ctx.signal });
  await config(['remote.origin.url', cloneUrl]);
  for (const [key, value] of CACHE_CONFIG) await config([key, value]);
  // With per-worktree config on, `core.bare = true` in the shared config would make every linked
  // worktree bare too (git then refuses `status`): it belongs to the bare repository's own
  // config.worktree.
  await config(['--unset', 'core.bare']);
  await config(['--worktree', 'core.bare', 'true']);
  await rename(tmp, dir);
  ctx.log.info({ cache: dir }, 'cache clone created');
  return true;
}

/**
 * Points an existing cache's `origin` at `url` if it points elsewhere: a cache made before clone
 * URLs were built from forge.url may name a host a payload chose (docs/decisions.md §10). Only the
 * service writes that setting, so a cache found right once by this process (`checked`, keyed by
 * folder and URL) is not read again: one git process less on every job.
 */
export async function ensureRemoteUrl(ctx: GitContext, dir: string, url: string, checked?: Set<string>): Promise<void> {
  const key = `${dir}\0${url}`;
  if (checked?.has(key)) return;
  const { stdout } = await gitIn(ctx, dir, ['config', '--get', 'remote.origin.url'], [1]);
  if (stdout.trim() !== url) {
    ctx.log.warn({ cache: dir, was: stdout.trim() }, 'cache remote did not point at the forge; reset');
    await gitIn(ctx, dir, ['config', 'remote.origin.url', url]);
  }
  checked?.add(key);
}

/** A half-made cache from a crashed process (we hold the repository lock, so none is in progress). */
async function removeLeftovers(parent: string, name: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(`${name}.tmp-`)).map((n) => rm(join(parent, n), { recursive: true, force: true })),
  );
}

export interface RefToFetch {
  /** `refs/heads/x`, `refs/pull/7/head`, or a commit id. */
  readonly src: string;
  /** Where to store it (`refs/remotes/origin/x`); none for a bare commit id. */
  readonly dst?: string;
  /** Missing on the remote is an answer (a branch not pushed yet), not a failure. */
  readonly optional: boolean;
}

export interface FetchOutcome {
  /** Optional sources the remote lacks, with what their remote-tracking ref held before it was deleted. */
  readonly missing: ReadonlyMap<string, string | undefined>;
  /** Remote-tracking refs the fetch moved, with their previous value (abbreviated, as git printed it). */
  readonly previous: ReadonlyMap<string, string>;
  /** Whether any ref changed: git printed a ref update (moved, created, deleted) or a ref was dropped. */
  readonly changed: boolean;
}

/**
 * Fetches exactly `refs` in one `git fetch` (the partial-clone filter comes from the cache's
 * config unless `options.filter` names another for this fetch; the config keeps its own). An
 * optional ref the remote lacks is dropped, its remote-tracking ref deleted (the branch is gone),
 * and the fetch retried. The ref-update lines git prints tell what each moved ref held before,
 * which saves a `for-each-ref` before every fetch.
 */
export async function fetchRefs(
  ctx: GitContext,
  cacheDir: string,
  refs: readonly RefToFetch[],
  options: { readonly filter?: string } = {},
): Promise<FetchOutcome> {
  const missing = new Map<string, string | undefined>();
  let wanted = [...refs];
  for (;;) {
    if (wanted.length === 0) return { missing, previous: new Map(), changed: missing.size > 0 };
    const refspecs = wanted.map((r) => (r.dst === undefined ? r.src : `+${r.src}:${r.dst}`));
    try {
      const { stderr } = await gitIn(ctx, cacheDir, [
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        '--no-progress',
        ...(options.filter === undefined ? [] : [`--filter=${options.filter}`]),
        'origin',
        ...refspecs,
      ]);
      // Without `--quiet` git prints a line (`a..b x -> origin/x`, `* [new branch]`, `- [deleted]`)
      // for every ref it changed, and none for one that was up to date.
      return { missing, previous: previousValues(stderr), changed: missing.size > 0 || stderr.includes(' -> ') };
    } catch (error) {
      const absent = missingRemoteRef(error);
      const dropped = wanted.find((r) => r.optional && r.src === absent);
      if (!dropped) throw error;
      wanted = wanted.filter((r) => r !== dropped);
      const before =
        dropped.dst === undefined ? undefined : (await readRefs(ctx, cacheDir, [dropped.dst])).get(dropped.dst);
      missing.set(dropped.src, before);
      if (before !== undefined && dropped.dst !== undefined)
        await gitIn(ctx, cacheDir, ['update-ref', '-d', dropped.dst]);
    }
  }
}

/** `   1234567..89abcde  b -> origin/b` and ` + 1234567...89abcde b -> origin/b  (forced update)`. */
const UPDATED_REF = /^ [+ ] ([0-9a-f]{4,})\.\.\.?[0-9a-f]{4,} .* -> (\S+)/;

function previousValues(stderr: string): Map<string, string> {
  const previous = new Map<string, string>();
  for (const line of stderr.split('\n')) {
    const match = UPDATED_REF.exec(line);
    if (match?.[1] && match[2]) previous.set(`refs/remotes/${match[2]}`, match[1]);
  }
  return previous;
}

function missingRemoteRef(error: unknown): string | undefined {
  if (!(error instanceof GitError)) return undefined;
  return /couldn't find remote ref (\S+)/.exec(error.stderr)?.[1];
}

/** Values of the named refs (exact names); a ref that does not exist is absent from the map. */
export async function readRefs(ctx: GitContext, cwd: string, names: readonly string[]): Promise<Map<string, string>> {
  const typed = await readTypedRefs(ctx, cwd, names, false);
  return new Map([...typed].map(([name, { sha }]) => [name, sha]));
}

/**
 * The same, with the type of the object each ref points at (read from the object itself, so a
 * ref at a commit says the cache has the commit); `types: false` leaves it out.
 */
export async function readTypedRefs(
  ctx: GitContext,
  cwd: string,
  names: readonly string[],
  types = true,
): Promise<Map<string, { readonly sha: string; readonly type: string | undefined }>> {
  const format = types ? '%(objectname) %(objecttype) %(refname)' : '%(objectname) %(refname)';
  const { stdout } = await gitIn(ctx, cwd, ['for-each-ref', `--format=${format}`, ...names]);
  const wanted = new Set(names);
  const values = new Map<string, { readonly sha: string; readonly type: string | undefined }>();
  for (const line of stdout.split('\n')) {
    const fields = line.split(' ');
    const name = fields.slice(types ? 2 : 1).join(' ');
    const sha = fields[0] ?? '';
    if (sha !== '' && wanted.has(name)) values.set(name, { sha, type: types ? fields[1] : undefined });
  }
  return values;
}

/**
 * Whether each of `shas` is a commit the cache already has. `--missing=allow-any` keeps git from
 * asking the promisor remote for a missing object, which `cat-file -e` does in a partial clone:
 * this question must never reach the forge.
 */
export async function commitsPresent(ctx: GitContext, cacheDir: string, shas: readonly string[]): Promise<boolean> {
  if (shas.length === 0) return true;
  const peeled = shas.map((sha) => `${sha}^{commit}`);
  const { exitCode } = await gitIn(
    ctx,
    cacheDir,
    ['rev-list', '--missing=allow-any', '--no-walk', ...peeled, '--'],
    [128],
  );
  return exitCode === 0;
}
