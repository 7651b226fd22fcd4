/**
 * Persistent workdirs: `createWorkdirs` wires the module's parts and returns the
 * `Workdirs` interface (see `types.ts` for the contract). Only this module runs git.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { acquire, worktreeTargetOf } from './acquire.js';
import { ensureCredentialHelper } from './auth.js';
import { cacheExists, gitIn } from './cache.js';
import { gitContextFor, type WorkdirDeps } from './deps.js';
import { createDiskMeter } from './disk-usage.js';
import { createLeases } from './lease.js';
import type { KnownHeads } from './known-heads.js';
import { createRepoLocks } from './locks.js';
import { cacheDirOf, layoutOf, repoKeyOf, worktreeIdOf } from './paths.js';
import { createFileRegistry, type WorktreeRegistry } from './registry.js';
import { refresh } from './refresh.js';
import { removeCache, removeWorktree } from './remove.js';
import { createGitRunner, type GitRunner } from './run-git.js';
import { createStaleLockCleaner } from './stale-locks.js';
import type { Workdirs } from './types.js';
import { adoptStray, atticEntries, pruneAll, removeAtticEntry, strays } from './sweep.js';

export type * from './types.js';
export { GitError } from './run-git.js';
export { LockTimeoutError } from './locks.js';
export { issueBranchName, branchNameProblem } from './ref-name.js';
export { worktreeIdOf } from './paths.js';
export type { WorktreeRecord, WorktreeRegistry } from './registry.js';
export { createKnownHeads, type KnownHeads } from './known-heads.js';
export { watchHeads } from './head-events.js';
export { createBackgroundFetch, type BackgroundFetch } from './background-fetch.js';

export interface WorkdirsOptions {
  readonly dataDir: string;
  /** Worktree and cache creation refuse below this much free space (`workdir.minFreeBytes`). */
  readonly minFreeBytes: number;
  /**
   * The environment git and du start from: PATH, and proxy or CA settings if the forge needs
   * them. `GIT_*` variables in it are ignored. The composition root passes it explicitly.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly clock: Clock;
  /** Where worktree records live; a file per worktree under the data dir unless given. */
  readonly registry?: WorktreeRegistry;
  /** A lock or lease not refreshed for this long belongs to a dead process (default 20 s). */
  readonly staleLockMs?: number;
  /**
   * How long to wait for another job or process to finish with a repository before the job fails
   * as retryable (`workdir.lockWaitSeconds`; default 2 min).
   */
  readonly lockWaitMs?: number;
  /** A git transfer moving less than a byte a second for this long fails (`workdir.gitIdleTimeoutSeconds`; default 60 s). */
  readonly gitIdleTimeoutSeconds?: number;
  /** Any git command still running after this long is killed (`workdir.gitTimeoutMinutes`; default 10 min). */
  readonly gitTimeoutMs?: number;
  /**
   * The configured forge URL (`forge.url`). When given, a repository's clone URL is built from it
   * and a request for a repository on another host is refused; the credential helper answers only
   * for it. Without it (tests serving one repository) the request's clone URL is used.
   */
  readonly forgeUrl?: string;
  /** For tests: the git runner (to wrap it). */
  readonly git?: GitRunner;
  /**
   * The heads the service knows (`createKnownHeads`, decisions.md §51): a job whose heads are all
   * known, recent and in the cache fetches nothing. Without it every job fetches.
   */
  readonly knownHeads?: KnownHeads;
  /**
   * Further paths measured by the same `du` as the workdirs, reported by name in
   * `DiskUsage.others` (the dashboard: Claude transcripts, the database files).
   */
  readonly alsoMeasure?: Readonly<Record<string, readonly string[]>>;
}

const DEFAULT_DISK_USAGE_MAX_AGE_MS = 60_000;
const DEFAULT_LOCK_WAIT_MS = 120_000;

export function createWorkdirs(options: WorkdirsOptions): Workdirs {
  const layout = layoutOf(options.dataDir);
  const log = options.log.child({ module: 'workdir' });
  const git =
    options.git ??
    createGitRunner({
      env: options.env,
      idleTimeoutSeconds: options.gitIdleTimeoutSeconds,
      timeoutMs: options.gitTimeoutMs,
    });
  const staleMs = options.staleLockMs ?? 20_000;
  const registry = options.registry ?? createFileRegistry(layout.registry);
  let helper: Promise<string> | undefined;
  const deps: WorkdirDeps = {
    layout,
    git,
    cleaner: createStaleLockCleaner({ git, log }),
    locks: createRepoLocks({ dir: layout.locks, staleMs, waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, log }),
    leases: createLeases({ dir: layout.leases, staleMs, log, clock: options.clock }),
    registry,
    log,
    clock: options.clock,
    minFreeBytes: options.minFreeBytes,
    forgeUrl: options.forgeUrl,
    knownHeads: options.knownHeads,
    remotesChecked: new Set(),
    credentialHelper: () => {
      helper ??= ensureCredentialHelper(layout.bin).catch((error: unknown) => {
        helper = undefined;
        throw error;
      });
      return helper;
    },
  };
  const meter = createDiskMeter({
    layout,
    registry,
    clock: options.clock,
    env: options.env,
    alsoMeasure: options.alsoMeasure,
  });

  return {
    acquire: (request) => acquire(deps, request),
    isLeased: async (request) =>
      (await deps.leases.status(worktreeIdOf(request.repo, request.agent.name, worktreeTargetOf(request.target))))
        .leased,
    removeWorktree: (ref, removeOptions) => removeWorktree(deps, ref, removeOptions),
    removeCache: (repo, removeOptions) => removeCache(deps, repo, removeOptions),
    async list() {
      const records = await registry.list();
      return Promise.all(
        records.map(async (record) => {
          const lease = await deps.leases.status(record.id);
          return { ...record, leased: lease.leased, holder: lease.holder };
        }),
      );
    },
    attic: () => atticEntries(deps),
    removeAttic: (dir) => removeAtticEntry(deps, dir),
    strays: () => strays(deps),
    adoptStray: (folder) => adoptStray(deps, folder),
    prune: () => pruneAll(deps),
    diskUsage: (usageOptions) => meter.measure(usageOptions?.maxAgeMs ?? DEFAULT_DISK_USAGE_MAX_AGE_MS),
    refresh: (repo, branches, refreshOptions) => refresh(deps, repo, branches, refreshOptions),
    async maintain(repo, maintainOptions) {
      const repoKey = repoKeyOf(repo);
      const cacheDir = cacheDirOf(layout, repoKey);
      const ctx = await gitContextFor(deps, repoKey, repo, undefined, maintainOptions?.signal);
      await deps.locks.withLock(repoKey, maintainOptions?.signal, async () => {
        if (!(await cacheExists(cacheDir))) return;
        await gitIn(ctx, cacheDir, ['gc', '--quiet']);
      });
    },
  };
}
