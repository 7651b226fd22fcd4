/**
 * What housekeeping needs from storage: the durable cleanup queue, the session rows it expires
 * or deletes, dispatch pauses, sweep records and the audit trail. Owned here, implemented in
 * `store/sqlite/housekeeping-store.ts`; the dashboard reads sweeps and the audit through the same.
 */
import type { RepoRef } from '../core/events.js';
import type { WorkKey } from '../core/work-key.js';
import type { SessionRecord } from '../sessions/ports.js';
import type { CleanupAction } from '../core/cleanup-task.js';

export interface CleanupTask {
  readonly id: number;
  readonly eventId: number;
  readonly repo: string;
  readonly repoRef: RepoRef;
  readonly issues: readonly number[] | undefined;
  readonly action: CleanupAction;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly attempts: number;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly result: unknown;
  readonly error: string | null;
}

export type CleanupFinish =
  | { readonly state: 'done'; readonly result: unknown }
  | { readonly state: 'failed'; readonly error: string; readonly result?: unknown }
  | { readonly state: 'retry'; readonly error: string; readonly notBefore: number };

export interface CleanupQueue {
  /**
   * The oldest due task whose keys have no queued or running job, moved queued → running in one
   * write; from then until it finishes, no job of those keys starts (the job store's runnable
   * query leaves them out).
   */
  claimNext(now: number): Promise<CleanupTask | undefined>;
  finish(id: number, finish: CleanupFinish, now: number): Promise<void>;
  /** At start-up: tasks a dead process left running go back to queued (they are idempotent). */
  requeueInterrupted(): Promise<number>;
  /**
   * Whether any queued or running job touches one of these keys (`issues` undefined: the whole
   * repository; `agent` given: that agent's keys only).
   */
  keysBusy(repo: string, issues: readonly number[] | undefined, agent?: string): Promise<boolean>;
  list(limit: number): Promise<CleanupTask[]>;
  /** Tasks with an id above `afterId`, oldest first, in any state (workers following the queue). */
  after(afterId: number, limit: number): Promise<CleanupTask[]>;
  /** The newest task's id, 0 when there is none. */
  lastId(): Promise<number>;
  /** Queued tasks not yet due, or waiting for a job: whether there is anything left to do. */
  pending(): Promise<number>;
}

export interface HousekeepingSessions {
  ofRepo(repo: string): Promise<SessionRecord[]>;
  ofIssue(repo: string, issue: number): Promise<SessionRecord[]>;
  /** Sessions not used since `before`, oldest first. */
  idleSince(before: number, limit: number): Promise<SessionRecord[]>;
  /** Which of these session ids a stored session still names (a transcript of none is an orphan). */
  named(sessionIds: readonly string[]): Promise<Set<string>>;
  delete(key: WorkKey): Promise<void>;
}

/** Who is held: every agent (`*`), one agent (`agent:dev`) or one key (`key:<work key>`). */
export type PauseScope = string;

export interface DispatchPauses {
  pause(scope: PauseScope, reason: string, at: number): Promise<void>;
  /** Lifts the pause and any circuit-breaker pause within the scope; answers what was lifted. */
  resume(scope: PauseScope): Promise<{ readonly pauses: number; readonly breakerPauses: number }>;
  list(): Promise<Array<{ readonly scope: PauseScope; readonly reason: string; readonly at: number }>>;
}

export interface SweepRecord {
  readonly id: number;
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly report: unknown;
}

export interface SweepRecords {
  start(trigger: string, dryRun: boolean, at: number): Promise<number>;
  finish(id: number, at: number, report: unknown): Promise<void>;
  /** Newest first. */
  list(limit: number): Promise<SweepRecord[]>;
}

export interface AuditEntry {
  readonly at: number;
  /** Where the action came from: `api <remote address>` or `cli <user>`. */
  readonly source: string;
  readonly action: string;
  readonly params: unknown;
  readonly status: number;
  readonly result: unknown;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(limit: number): Promise<Array<AuditEntry & { readonly id: number }>>;
}

/** Old records the sweeper deletes (deliveries go through the delivery store's own retention). */
/** The pull requests the pull watch kept that were merged or closed long ago (`pulls/ports.ts` `PullWatchStore`). */
export interface SettledPulls {
  /** Forgets merged and closed PRs last updated before `before`; answers how many. */
  forgetSettled(before: number): Promise<number>;
}

export interface RecordRetention {
  /** What a delete at this cutoff would find: deliveries received, runs started, cleanup tasks finished before it. */
  countBefore(
    cutoff: number,
  ): Promise<{ readonly deliveries: number; readonly runs: number; readonly cleanupTasks: number }>;
  deleteRunsBefore(cutoff: number): Promise<{ readonly runs: number; readonly cleanupTasks: number }>;
}
