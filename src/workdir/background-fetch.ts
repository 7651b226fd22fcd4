/**
 * Fetches pushed branches into their repository's cache soon after the push webhook, so that the
 * commit is there when a job needs it and the job need not ask the forge (decisions.md §51).
 *
 * Bounded: pushes within `debounceMs` of the first are fetched together, one fetch per repository
 * with every branch pushed meanwhile; one fetch runs at a time; at most `maxRepositories` wait, and
 * at most `maxBranches` branches each (more are left to the jobs' own fetches). A failure is logged
 * and forgotten: it only means the job fetches.
 */
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repoKeyOf } from './paths.js';
import type { RepoSpec } from './types.js';

/** Fetches `branches` (and the default branch) of `repo` into its cache, if it has one. */
export type FetchBranches = (repo: RepoSpec, branches: readonly string[], signal: AbortSignal) => Promise<unknown>;

export interface BackgroundFetchOptions {
  readonly fetch: FetchBranches;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long after a push to wait for more pushes before fetching (default 200 ms). */
  readonly debounceMs?: number;
  readonly maxRepositories?: number;
  readonly maxBranches?: number;
}

export interface BackgroundFetch {
  /** Asks for `branch` of `repo` to be fetched soon. */
  request(repo: RepoSpec, branch: string): void;
  /** Settles once nothing is waiting or being fetched. */
  settled(): Promise<void>;
  /** Drops what waits, stops a fetch under way, and settles when it has ended. */
  stop(): Promise<void>;
}

interface Waiting {
  readonly repo: RepoSpec;
  readonly branches: Set<string>;
}

export function createBackgroundFetch(options: BackgroundFetchOptions): BackgroundFetch {
  const { clock, log } = options;
  const debounceMs = options.debounceMs ?? 200;
  const maxRepositories = options.maxRepositories ?? 100;
  const maxBranches = options.maxBranches ?? 20;
  const waiting = new Map<string, Waiting>();
  const stopping = new AbortController();
  let timer: Timer | undefined;
  let draining: Promise<void> | undefined;
  let idle: Array<() => void> = [];

  const busy = () => timer !== undefined || draining !== undefined;
  const tellIdle = () => {
    if (busy()) return;
    const waiters = idle;
    idle = [];
    for (const resolve of waiters) resolve();
  };

  const fetchOne = async ({ repo, branches }: Waiting) => {
    try {
      await options.fetch(repo, [...branches], stopping.signal);
    } catch (error) {
      if (stopping.signal.aborted) return;
      log.warn(
        { err: error, repo: `${repo.owner}/${repo.name}`, branches: [...branches] },
        'background fetch after a push failed; the next job fetches instead',
      );
    }
  };

  const drain = async () => {
    for (let next = first(); next !== undefined && !stopping.signal.aborted; next = first()) {
      waiting.delete(repoKeyOf(next.repo));
      await fetchOne(next);
    }
  };
  const first = () => waiting.values().next().value;

  const schedule = () => {
    if (busy() || stopping.signal.aborted) return;
    timer = clock.after(debounceMs, () => {
      timer = undefined;
      draining = drain().finally(() => {
        draining = undefined;
        if (waiting.size > 0) schedule();
        tellIdle();
      });
    });
  };

  return {
    request(repo, branch) {
      if (stopping.signal.aborted) return;
      const key = repoKeyOf(repo);
      let entry = waiting.get(key);
      if (entry === undefined) {
        if (waiting.size >= maxRepositories) {
          log.warn(
            { repo: `${repo.owner}/${repo.name}` },
            'too many repositories wait for a background fetch; skipped',
          );
          return;
        }
        entry = { repo, branches: new Set() };
        waiting.set(key, entry);
      }
      if (entry.branches.size < maxBranches) entry.branches.add(branch);
      schedule();
    },
    settled: () => (busy() ? new Promise<void>((resolve) => idle.push(resolve)) : Promise.resolve()),
    async stop() {
      stopping.abort(new Error('the service is stopping'));
      timer?.cancel();
      timer = undefined;
      waiting.clear();
      await draining;
      tellIdle();
    },
  };
}
