/**
 * `refresh`: brings pushed branches into a repository's cache ahead of the jobs that need them
 * (decisions.md §51), under the repository lock like every fetch. Only a cache that exists is
 * refreshed: a repository no job has worked on gets no clone from a push.
 *
 * Unlike a job's fetch (`blob:none`, files fetched when a checkout needs them), this one brings the
 * files the new commits changed — up to `BLOB_LIMIT` each — so a job that then moves its worktree
 * to a pushed commit needs the forge for nothing.
 */
import { cacheExists, ensureRemoteUrl, fetchRefs, readRefs, type RefToFetch } from './cache.js';
import { gitContextFor, remoteUrlOf, type WorkdirDeps } from './deps.js';
import { learnFetched } from './fetch-target.js';
import { cacheDirOf, repoKeyOf } from './paths.js';
import { branchNameProblem } from './ref-name.js';
import type { RefreshOptions, RepoSpec } from './types.js';
import { validateOnForge, validateRepo } from './validate.js';

/** Blobs the server holds back from a refresh: larger files are fetched when a checkout needs them. */
const BLOB_LIMIT = 'blob:limit=1m';

export async function refresh(
  deps: WorkdirDeps,
  repo: RepoSpec,
  branches: readonly string[],
  options: RefreshOptions,
): Promise<boolean> {
  const problem = validateRepo(repo) ?? validateOnForge(repo, deps.forgeUrl);
  if (problem !== undefined) throw new Error(`not refreshed: ${problem}`);
  const repoKey = repoKeyOf(repo);
  const cacheDir = cacheDirOf(deps.layout, repoKey);
  if (!(await cacheExists(cacheDir))) return false;
  const ctx = await gitContextFor(deps, repoKey, repo, options.agent, options.signal);
  const refs: RefToFetch[] = [branchRef(repo.defaultBranch, false)];
  for (const branch of new Set(branches))
    if (branch !== repo.defaultBranch && branchNameProblem(branch) === undefined) refs.push(branchRef(branch, true));
  return deps.locks.withLock(repoKey, options.signal, async () => {
    if (!(await cacheExists(cacheDir))) return false;
    await ensureRemoteUrl(ctx, cacheDir, remoteUrlOf(deps, repo), deps.remotesChecked);
    const startedAt = deps.clock.now();
    const fetched = await fetchRefs(ctx, cacheDir, refs, { filter: BLOB_LIMIT });
    const after = await readRefs(
      ctx,
      cacheDir,
      refs.map((ref) => ref.dst as string),
    );
    if (deps.knownHeads) learnFetched(deps.knownHeads, repo, refs, after, fetched.missing, startedAt);
    return true;
  });
}

function branchRef(branch: string, optional: boolean): RefToFetch {
  return { src: `refs/heads/${branch}`, dst: `refs/remotes/origin/${branch}`, optional };
}
