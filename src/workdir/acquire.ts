/**
 * `acquire`: lease the (agent, target) worktree, then — holding the repository lock — make sure the
 * cache exists, fetch only the refs this job needs, and create or sync the worktree.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '../lib/result.js';
import { identityEnvironment, leaseEnvironment } from './auth.js';
import { cacheExists, ensureCache, ensureRemoteUrl, gitIn, type GitContext } from './cache.js';
import { formatBytes } from '../lib/format-bytes.js';
import { freeBytes, gitContextFor, remoteUrlOf, type WorkdirDeps } from './deps.js';
import { wantedForTarget, type Wanted } from './fetch-target.js';
import { atticDirOf, cacheDirOf, repoKeyOf, worktreeDirOf, worktreeIdOf } from './paths.js';
import type { WorktreeRecord } from './registry.js';
import type { AcquireError, AcquireRequest, AcquireTarget, Lease, SyncOutcome, WorktreeTarget } from './types.js';
import { validateAcquire, validateOnForge } from './validate.js';
import {
  addWorktree,
  BranchInUseError,
  clearWorktreeLocks,
  configureWorktree,
  headOf,
  inspectWorktree,
  localWorkOf,
  recoverPath,
  setUpstream,
  syncWorktree,
  type WorktreeSpec,
} from './worktree.js';

export function worktreeTargetOf(target: AcquireTarget): WorktreeTarget {
  if (target.kind === 'issue-branch') return { kind: 'issue-branch', branch: target.branch };
  if (target.kind === 'pr-head') return { kind: 'pr-head', number: target.number };
  return { kind: 'default-branch' };
}

interface Prepared {
  readonly head: string;
  readonly remoteHead: string | undefined;
  readonly sync: SyncOutcome;
  /** Whether the forge was asked, or every head the job needed was known (decisions.md §51). */
  readonly fetched: boolean;
}

export async function acquire(deps: WorkdirDeps, request: AcquireRequest): Promise<Result<Lease, AcquireError>> {
  const problem = validateAcquire(request) ?? validateOnForge(request.repo, deps.forgeUrl);
  if (problem !== undefined) return err({ kind: 'invalid-request', message: problem });
  const { repo, agent } = request;
  const target = worktreeTargetOf(request.target);
  const repoKey = repoKeyOf(repo);
  const id = worktreeIdOf(repo, agent.name, target);
  const path = worktreeDirOf(deps.layout, repoKey, agent.name, target);
  const log = deps.log.child({ worktree: id, agent: agent.name, repo: `${repo.owner}/${repo.name}` });

  const releaseLease = await deps.leases.take(id, request.holder);
  if (!releaseLease)
    return err({
      kind: 'leased',
      id,
      message: `worktree ${path} is in use by another job; try again when it is released`,
    });
  try {
    const ctx = { ...(await gitContextFor(deps, repoKey, repo, agent, request.signal)), log };
    const prepared = await deps.locks.withLock(repoKey, request.signal, () =>
      prepare(deps, ctx, { request, target, repoKey, id, path, cloneUrl: remoteUrlOf(deps, repo) }),
    );
    if (!prepared.ok) {
      await releaseLease();
      return prepared;
    }
    const { head, remoteHead, sync, fetched } = prepared.value;
    const remoteMoved = sync.kind === 'kept-local-work' || sync.kind === 'remote-branch-deleted';
    const state = await inspectWorktree(path, cacheDirOf(deps.layout, repoKey));
    if (state.kind !== 'present')
      throw new Error(`the worktree at ${path} is not usable after it was prepared (${state.kind})`);
    log.info({ path, head, sync: sync.kind, remoteMoved, fetched }, 'worktree acquired');
    let released = false;
    return ok({
      id,
      path,
      branch: target.kind === 'issue-branch' ? target.branch : undefined,
      head,
      remoteHead,
      sync,
      fetched,
      remoteMoved,
      env: leaseEnvironment({ helperPath: await deps.credentialHelper(), agent, cloneUrl: remoteUrlOf(deps, repo) }),
      identity: identityEnvironment(agent),
      gitDirs: { adminDir: state.adminDir, commonDir: cacheDirOf(deps.layout, repoKey) },
      remoteUrl: remoteUrlOf(deps, repo),
      readDefaultBranchFile: (file) =>
        readDefaultBranchFile(
          { ...ctx, signal: undefined },
          cacheDirOf(deps.layout, repoKey),
          repo.defaultBranch,
          file,
        ),
      // Not the request's signal: the run it aborted is exactly the one whose work must be looked at.
      localWork: () => localWorkOf({ ...ctx, signal: undefined }, path),
      pushed(updates) {
        for (const update of updates) deps.knownHeads?.moved(repo, update.ref, update.oldSha, update.newSha, 'relay');
      },
      async release() {
        if (released) return;
        released = true;
        try {
          const record = await deps.registry.get(id);
          if (record) await deps.registry.put({ ...record, lastUsedAt: deps.clock.now() });
        } finally {
          await releaseLease();
        }
      },
    });
  } catch (error) {
    await releaseLease();
    throw error;
  }
}

async function readDefaultBranchFile(
  ctx: GitContext,
  cacheDir: string,
  branch: string,
  file: string,
): Promise<string | undefined> {
  if (file.startsWith('/') || file.split('/').includes('..'))
    throw new Error(`not a path inside the repository: ${file}`);
  const shown = await gitIn(ctx, cacheDir, ['show', `refs/remotes/origin/${branch}:${file}`], [128]);
  return shown.exitCode === 0 ? shown.stdout : undefined;
}

interface Job {
  readonly request: AcquireRequest;
  readonly target: WorktreeTarget;
  readonly repoKey: string;
  readonly id: string;
  readonly path: string;
  /** Where the cache fetches from (`remoteUrlOf`), as recorded. */
  readonly cloneUrl: string;
}

async function prepare(deps: WorkdirDeps, ctx: GitContext, job: Job): Promise<Result<Prepared, AcquireError>> {
  const { agent } = job.request;
  const cacheDir = cacheDirOf(deps.layout, job.repoKey);
  const existed = await cacheExists(cacheDir);
  if (existed) {
    await ensureRemoteUrl(ctx, cacheDir, job.cloneUrl, deps.remotesChecked);
  } else {
    const low = await lowDisk(deps);
    if (low) return err(low);
    await ensureCache(ctx, cacheDir, job.cloneUrl);
  }

  const record = await deps.registry.get(job.id);
  const wanted = await wantedForTarget(ctx, cacheDir, job.request, record, {
    heads: deps.knownHeads,
    clock: deps.clock,
    // A cache made just now has no commit a known head could name.
    useKnown: existed,
  });
  if (!wanted.ok) return wanted;
  const state = await inspectWorktree(job.path, cacheDir);
  const branch = job.target.kind === 'issue-branch' ? job.target.branch : undefined;
  const mode = branch === undefined ? 'detached' : 'branch';
  // For a detached worktree, the commit the service last put there came from the remote.
  const known = [...wanted.value.known, ...(mode === 'detached' && record?.base ? [record.base] : [])];

  let sync: SyncOutcome;
  let head: string;
  let base = record?.base;
  if (state.kind === 'present' && record?.state !== 'creating') {
    await clearWorktreeLocks(ctx, state.adminDir);
    const synced = await syncWorktree(ctx, {
      path: job.path,
      head: await headOf(state.adminDir, branch, wanted.value.localHead),
      wanted: wanted.value.checkout,
      known,
      wasOnRemote: wanted.value.wasOnRemote,
      mode,
    });
    sync = synced.outcome;
    head = synced.head;
    if ('to' in sync) base = sync.to;
  } else {
    const low = await lowDisk(deps);
    if (low) return err(low);
    await clearPath(deps, ctx, cacheDir, job, state.kind, record);
    const now = deps.clock.now();
    await deps.registry.put(
      recordOf(job, {
        state: 'creating',
        head: undefined,
        base: undefined,
        remoteHead: undefined,
        createdAt: now,
        lastUsedAt: now,
      }),
    );
    const created = await createWorktree(ctx, cacheDir, job, wanted.value);
    if (!created.ok) {
      await deps.registry.delete(job.id);
      return created;
    }
    await configureWorktree(ctx, job.path, agent.git);
    sync = created.value;
    head = (await gitIn(ctx, job.path, ['rev-parse', 'HEAD'])).stdout.trim();
    base = head;
    if (sync.kind === 'created' && sync.from === 'local-branch') {
      // A branch that outlived its worktree may be behind its remote: follow it like a reuse.
      const followed = await syncWorktree(ctx, {
        path: job.path,
        head,
        wanted: wanted.value.checkout,
        known,
        wasOnRemote: false,
        mode,
      });
      if (followed.outcome.kind !== 'unchanged') sync = followed.outcome;
      head = base = followed.head;
    }
  }
  const now = deps.clock.now();
  await deps.registry.put(
    recordOf(job, {
      state: 'ready',
      head,
      base,
      remoteHead: wanted.value.remoteHead,
      createdAt: record?.state === 'ready' ? record.createdAt : now,
      lastUsedAt: now,
    }),
  );
  return ok({ head, remoteHead: wanted.value.remoteHead, sync, fetched: wanted.value.fetched });
}

function recordOf(
  job: Job,
  fields: Pick<WorktreeRecord, 'state' | 'head' | 'base' | 'remoteHead' | 'createdAt' | 'lastUsedAt'>,
): WorktreeRecord {
  const { host, owner, name, defaultBranch } = job.request.repo;
  const cloneUrl = job.cloneUrl;
  return {
    id: job.id,
    repo: { host, owner, name, cloneUrl, defaultBranch },
    repoKey: job.repoKey,
    agent: job.request.agent.name,
    target: job.target,
    path: job.path,
    branch: job.target.kind === 'issue-branch' ? job.target.branch : undefined,
    ...fields,
  };
}

async function createWorktree(
  ctx: GitContext,
  cacheDir: string,
  job: Job,
  wanted: Wanted,
): Promise<Result<SyncOutcome, AcquireError>> {
  const target = job.target;
  const spec: WorktreeSpec =
    target.kind === 'issue-branch'
      ? {
          kind: 'branch',
          branch: target.branch,
          startPoint: wanted.startPoint,
          localExists: wanted.localHead !== undefined,
        }
      : { kind: 'detached', commit: wanted.startPoint };
  await mkdir(dirname(job.path), { recursive: true });
  await gitIn(ctx, cacheDir, ['worktree', 'prune']);
  let how: Awaited<ReturnType<typeof addWorktree>>;
  try {
    how = await addWorktree(ctx, cacheDir, job.path, spec);
  } catch (error) {
    if (!(error instanceof BranchInUseError)) throw error;
    return err({
      kind: 'invalid-request',
      message: `${error.message}: a branch can be written from one worktree only`,
    });
  }
  if (spec.kind === 'branch' && how === 'new-branch') await setUpstream(ctx, cacheDir, spec.branch);
  if (how === 'local-branch') return ok({ kind: 'created', from: 'local-branch' });
  if (how === 'commit')
    return ok({ kind: 'created', from: target.kind === 'default-branch' ? 'default-branch' : 'commit' });
  if (wanted.checkout !== undefined) return ok({ kind: 'created', from: 'remote-branch' });
  return ok({ kind: 'created', from: wanted.startBranch !== undefined ? 'start-branch' : 'default-branch' });
}

/**
 * Makes the worktree path free for `worktree add`. An interrupted add (record `creating`) holds
 * nothing worth keeping and is cleared; anything else found there might hold work, so it is moved
 * to the attic instead of deleted.
 */
async function clearPath(
  deps: WorkdirDeps,
  ctx: GitContext,
  cacheDir: string,
  job: Job,
  state: 'absent' | 'present' | 'broken',
  record: WorktreeRecord | undefined,
): Promise<void> {
  if (state === 'absent') return;
  if (record?.state === 'creating') {
    ctx.log.warn({ path: job.path }, 'clearing a worktree whose creation was interrupted');
    await recoverPath(ctx, cacheDir, job.path);
    return;
  }
  const attic = atticDirOf(deps.layout, job.path, deps.clock.now());
  await mkdir(attic, { recursive: true });
  await rename(job.path, join(attic, 'unreadable-worktree'));
  ctx.log.warn({ path: job.path, attic }, 'moved an unreadable worktree to the attic');
  await gitIn(ctx, cacheDir, ['worktree', 'prune']);
}

async function lowDisk(deps: WorkdirDeps): Promise<AcquireError | undefined> {
  await mkdir(deps.layout.root, { recursive: true });
  const { free } = await freeBytes(deps.layout.root);
  if (free >= deps.minFreeBytes) return undefined;
  return {
    kind: 'low-disk',
    freeBytes: free,
    minFreeBytes: deps.minFreeBytes,
    message: `only ${formatBytes(free)} free under ${deps.layout.root}, below workdir.minFreeBytes (${formatBytes(deps.minFreeBytes)}): remove worktrees or caches no longer needed, or lower workdir.minFreeBytes`,
  };
}
