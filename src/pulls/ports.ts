/**
 * What the service keeps about each pull request it sees through to the merge
 * (docs/until-merged.md): an agent's open PR, its head, the latest result of each check on that
 * head, the fix attempts used (counted across restarts), the reruns asked for, the checks found
 * flaky, whether the cap was said, where merging stands and what the PR waits on. Owned here,
 * implemented in `store/` (SQLite and PostgreSQL, held to one contract in
 * `test/store-contract/pulls.test.ts`).
 *
 * Keyed by the repository key the rest of the store uses (`repoKey` in `core/events.ts`:
 * `host/owner/name`, lower case) and the PR's number. Times are milliseconds since the epoch.
 */
import type { CheckState } from '../core/events.js';

/** The latest result of one check on the PR's head. */
export interface CheckRecord {
  readonly context: string;
  readonly state: CheckState;
  readonly source: 'status' | 'run' | 'job';
  readonly targetUrl: string;
  readonly description: string;
  readonly runId?: number | undefined;
  readonly jobId?: number | undefined;
  /** When the forge recorded it (ms); 0 when it did not say. */
  readonly at: number;
}

/** A rerun the service asked the forge for: once per check and head. */
export interface RerunRecord {
  readonly sha: string;
  readonly context: string;
  readonly run: number;
  readonly at: number;
}

/** A check result the service did not act on, and why (the latest few are kept). */
export interface IgnoredResult {
  readonly sha: string;
  readonly context: string;
  readonly reason: string;
  readonly at: number;
}

/** Where merging stands: not asked, asked (the forge merges when its checks pass), refused (why), merged. */
export type MergeState =
  | { readonly kind: 'off' }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'asked'; readonly sha: string; readonly at: number }
  | { readonly kind: 'refused'; readonly sha: string; readonly reason: string; readonly at: number }
  | { readonly kind: 'merged'; readonly at: number };

export interface WatchedPull {
  readonly repo: string;
  readonly number: number;
  /** The agent whose PR it is (its configured name), and the issue its work key names. */
  readonly agent: string;
  readonly issue: number;
  readonly title: string;
  readonly headRef: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly state: 'open' | 'merged' | 'closed';
  /** The latest result of each check on `headSha`; emptied when the head moves. */
  readonly checks: readonly CheckRecord[];
  /** Fix attempts used: each time the author was woken for failed checks. */
  readonly attempts: number;
  /** The heads whose failure woke the author (the last few), so a head wakes it once. */
  readonly woken: readonly string[];
  /** The failed checks the author was told of, per head (the last few): each is told once. */
  readonly reported: readonly { readonly context: string; readonly sha: string }[];
  /** For each check, the heads it passed on (the last few): a failure on one of them is a flake suspect. */
  readonly passed: readonly { readonly context: string; readonly sha: string }[];
  readonly reruns: readonly RerunRecord[];
  /** Checks that failed, were rerun, and then passed. */
  readonly flaky: readonly string[];
  /** Whether the cap was said on the PR (comment and label), so it is said once. */
  readonly capped: boolean;
  readonly merge: MergeState;
  /** What the PR waits on, in a few words, as the service last decided it. */
  readonly waitingOn: string;
  readonly ignored: readonly IgnoredResult[];
  readonly updatedAt: number;
}

export interface PullWatchStore {
  getWatched(repo: string, number: number): Promise<WatchedPull | undefined>;
  /** The watched PRs of `repo` whose head is `sha` (usually one, none for an old head). */
  watchedByHead(repo: string, sha: string): Promise<WatchedPull[]>;
  /** Writes the whole record (insert or replace). */
  saveWatched(pull: WatchedPull): Promise<void>;
  /** Every watched PR, open ones first then by `updatedAt` descending; `open` leaves out merged and closed ones. */
  listWatched(options?: { readonly open?: boolean; readonly limit?: number }): Promise<WatchedPull[]>;
  /** Forgets merged and closed PRs last updated before `before`; answers how many. */
  forgetSettled(before: number): Promise<number>;
}
