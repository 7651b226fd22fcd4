/**
 * Crash leftovers. A git process killed mid-command leaves `*.lock` files (an `index.lock`, a ref
 * lock) and `worktree add` leaves a `locked` file reading "initializing"; git then refuses to go
 * on. Such a file is removed only when no git process is working in the repository: none started
 * by this process (the runner knows), and — on Linux — no process named git* on the machine with
 * its cwd in the cache or one of its worktrees (an orphan of a crashed service, or the agent's own
 * git). Otherwise it is left alone and the caller fails; the job is retried later.
 */
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import type { Logger } from '../lib/logger.js';
import { isWithin } from './paths.js';
import { GitError, type GitRunner } from './run-git.js';

/** The lock file a failed git command names, if it failed on one. */
export function lockFileNamedBy(error: unknown): string | undefined {
  if (!(error instanceof GitError)) return undefined;
  return /Unable to create '([^']+\.lock)': File exists/.exec(error.stderr)?.[1];
}

/** Pids of processes named git* whose cwd is inside one of `dirs` (Linux; elsewhere none). */
export async function gitProcessesIn(dirs: readonly string[]): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (pid) => {
        const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
        if (!comm.startsWith('git')) return;
        const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
        if (cwd !== undefined && dirs.some((dir) => isWithin(cwd, dir))) found.push(Number(pid));
      }),
  );
  return found;
}

export interface StaleLockCleaner {
  /**
   * Removes `lockPath` if it lies inside `dirs` and no git process works there; answers whether
   * it did. `dirs` are the repository's cache and worktree folders.
   */
  clear(lockPath: string, dirs: readonly string[]): Promise<boolean>;
}

export function createStaleLockCleaner(deps: { git: GitRunner; log: Logger }): StaleLockCleaner {
  return {
    async clear(lockPath, dirs) {
      if (!dirs.some((dir) => isWithin(lockPath, dir))) return false;
      if (dirs.some((dir) => deps.git.isRunningIn(dir))) return false;
      const pids = await gitProcessesIn(dirs);
      if (pids.length > 0) {
        deps.log.warn({ lock: lockPath, pids }, 'git lock held by a running git process; leaving it');
        return false;
      }
      await rm(lockPath, { force: true, recursive: false });
      deps.log.warn({ lock: lockPath }, 'removed stale git lock left by a crash');
      return true;
    },
  };
}

/**
 * Runs a git step; when it fails on a lock file that turns out to be stale, removes the lock and
 * runs the step once more.
 */
export async function retryingStaleLock<T>(
  cleaner: StaleLockCleaner,
  dirs: readonly string[],
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const lock = lockFileNamedBy(error);
    if (lock === undefined || !(await cleaner.clear(lock, dirs))) throw error;
    return step();
  }
}
