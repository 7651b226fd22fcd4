/**
 * Two kinds of lock, both a directory made with `mkdir` (proper-lockfile) so they hold across
 * processes sharing a data dir, and both kept fresh by a timer so a crashed holder's lock goes
 * stale after `staleMs` and is taken over:
 *
 * - the repository lock, waited for, serialises everything that changes a cache (create, fetch,
 *   `worktree add`/`remove`, gc). Inside one process waiters queue on a promise chain first, so
 *   only one of them polls the directory. Either wait ends at `waitMs`, or at once when the
 *   waiter's signal aborts (`LockTimeoutError`, or the signal's reason).
 * - a lease, never waited for, marks a worktree as in use by one job.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../lib/logger.js';

export type Release = () => Promise<void>;

/**
 * Waited longer than `waitMs` for another job or process to finish with a repository. Transient:
 * the holder ends (git has time limits of its own), so the job is tried again later.
 */
export class LockTimeoutError extends Error {
  readonly code = 'WORKDIR_LOCK_TIMEOUT';
  readonly transient = true;
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
  ) {
    super(
      `waited ${(waitedMs / 1000).toFixed(waitedMs < 10_000 ? 1 : 0)} s (workdir.lockWaitSeconds) for the repository lock ${lockPath}: another job or process is still fetching or changing this repository; the job is tried again later, and a lock left by a dead process goes stale on its own`,
    );
    this.name = 'LockTimeoutError';
  }
}

export interface FileLockOptions {
  readonly staleMs: number;
  readonly log: Logger;
}

/** Takes the lock directory `path` if free (or stale); undefined when someone holds it. */
export async function tryFileLock(path: string, options: FileLockOptions): Promise<Release | undefined> {
  try {
    return await lockfile.lock(path, {
      realpath: false,
      lockfilePath: path,
      stale: options.staleMs,
      onCompromised: (error) => options.log.error({ err: error, lock: path }, 'workdir lock compromised'),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
}

export async function isFileLocked(path: string, staleMs: number): Promise<boolean> {
  return lockfile.check(path, { realpath: false, lockfilePath: path, stale: staleMs });
}

export interface RepoLocks {
  /** Runs `work` holding the repository's lock, in this process and across processes. */
  withLock<T>(repoKey: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T>;
}

export interface RepoLocksOptions extends FileLockOptions {
  readonly dir: string;
  /** Give up waiting — for a job of this process or another process — after this long. */
  readonly waitMs: number;
}

export function createRepoLocks(options: RepoLocksOptions): RepoLocks {
  const queues = new Map<string, Promise<unknown>>();
  const pathOf = (repoKey: string) => join(options.dir, `${repoKey}.lock`);

  async function holdFileLock<T>(
    repoKey: string,
    signal: AbortSignal | undefined,
    started: number,
    work: () => Promise<T>,
  ): Promise<T> {
    await mkdir(options.dir, { recursive: true });
    const path = pathOf(repoKey);
    let delay = 20;
    for (;;) {
      signal?.throwIfAborted();
      const release = await tryFileLock(path, options);
      if (release) {
        try {
          return await work();
        } finally {
          await release().catch((error: unknown) =>
            options.log.warn({ err: error, lock: path }, 'workdir lock release failed'),
          );
        }
      }
      const waited = Date.now() - started;
      if (waited >= options.waitMs) throw new LockTimeoutError(path, waited);
      await sleep(Math.min(delay + Math.random() * delay, options.waitMs - waited), signal);
      delay = Math.min(delay * 2, 500);
    }
  }

  return {
    withLock(repoKey, signal, work) {
      const started = Date.now();
      const previous = queues.get(repoKey) ?? Promise.resolve();
      const run = turnOf(previous, pathOf(repoKey), options.waitMs, signal).then(() =>
        holdFileLock(repoKey, signal, started, work),
      );
      // The next in line waits for the holder even when this waiter gave up before its turn.
      const settled = Promise.allSettled([previous, run]);
      queues.set(repoKey, settled);
      void settled.then(() => {
        if (queues.get(repoKey) === settled) queues.delete(repoKey);
      });
      return run;
    },
  };
}

/**
 * Waits for the jobs of this process ahead in line, but no longer than `waitMs` and not past an
 * abort: a job ahead stuck on a git server that never answers once held its followers for the
 * whole 15 minutes this wait used to be (fault injection).
 */
function turnOf(
  previous: Promise<unknown>,
  lockPath: string,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const started = Date.now();
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const timer = setTimeout(() => done(() => reject(new LockTimeoutError(lockPath, Date.now() - started))), waitMs);
    const onAbort = () => done(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    void previous.then(
      () => done(resolve),
      () => done(resolve),
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
